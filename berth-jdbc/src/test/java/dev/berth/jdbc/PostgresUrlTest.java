package dev.berth.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** Unit tests; no server needed. */
class PostgresUrlTest {

    @Test
    void databaseUrlBecomesJdbcUrlWithoutCredentials() {
        PostgresUrl url = PostgresUrl.parse("postgres://app:s3cret@db.example.com:6543/orders?sslmode=require");

        assertThat(url.jdbcUrl()).isEqualTo("jdbc:postgresql://db.example.com:6543/orders?sslmode=require");
        assertThat(url.user()).isEqualTo("app");
        assertThat(url.password()).isEqualTo("s3cret");
    }

    @Test
    void postgresqlSchemeIsAcceptedToo() {
        assertThat(PostgresUrl.parse("postgresql://app@localhost/orders").jdbcUrl())
                .isEqualTo("jdbc:postgresql://localhost/orders");
    }

    @Test
    void userAndPasswordArePercentDecodedButPlusStaysPlus() {
        PostgresUrl url = PostgresUrl.parse("postgres://us%40er:p%3Aa%2Fss+word%25@host:5432/db");

        assertThat(url.user()).isEqualTo("us@er");
        assertThat(url.password()).isEqualTo("p:a/ss+word%");
    }

    @Test
    void passwordMayContainAnAtSign() {
        PostgresUrl url = PostgresUrl.parse("postgres://app:pa@ss@host/db");

        assertThat(url.user()).isEqualTo("app");
        assertThat(url.password()).isEqualTo("pa@ss");
        assertThat(url.jdbcUrl()).isEqualTo("jdbc:postgresql://host/db");
    }

    @Test
    void missingHostMeansLocalhost() {
        assertThat(PostgresUrl.parse("postgres:///db").jdbcUrl()).isEqualTo("jdbc:postgresql://localhost/db");
    }

    @Test
    void multipleHostsPassThrough() {
        assertThat(PostgresUrl.parse("postgres://u:p@h1:5432,h2:5433/db?targetServerType=primary").jdbcUrl())
                .isEqualTo("jdbc:postgresql://h1:5432,h2:5433/db?targetServerType=primary");
    }

    @Test
    void jdbcUrlPassesThroughAndItsPasswordParameterIsKnown() {
        PostgresUrl url = PostgresUrl.parse("jdbc:postgresql://localhost:5432/db?user=app&password=hunter2");

        assertThat(url.jdbcUrl()).isEqualTo("jdbc:postgresql://localhost:5432/db?user=app&password=hunter2");
        assertThat(url.password()).isEqualTo("hunter2");
    }

    @Test
    void otherSchemesAreRejectedWithTheAcceptedFormsAndNoPassword() {
        assertThatThrownBy(() -> PostgresUrl.parse("mysql://root:topsecret@localhost/db"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("jdbcUrl mysql://root:***@localhost/db is not a PostgreSQL URL")
                .hasMessageContaining("jdbc:postgresql://host:5432/db")
                .hasMessageNotContaining("topsecret");
    }

    @Test
    void missingUrlIsNamed() {
        assertThatThrownBy(() -> PostgresUrl.parse("  "))
                .hasMessageStartingWith("jdbcUrl is missing");
    }

    @Test
    void badPercentEscapeIsRejectedWithoutShowingThePassword() {
        assertThatThrownBy(() -> PostgresUrl.parse("postgres://app:bad%zzsecret@host/db"))
                .hasMessageContaining("invalid %-escape")
                .hasMessageNotContaining("bad%zzsecret");
    }

    @Test
    void maskHidesUserinfoPasswordsAndPasswordParameters() {
        assertThat(PostgresUrl.mask("postgres://app:s3cret@host/db")).isEqualTo("postgres://app:***@host/db");
        assertThat(PostgresUrl.mask("jdbc:postgresql://host/db?user=a&password=s3cret&ssl=true"))
                .isEqualTo("jdbc:postgresql://host/db?user=a&password=***&ssl=true");
        assertThat(PostgresUrl.mask("jdbc:postgresql://host/db")).isEqualTo("jdbc:postgresql://host/db");
    }

    @Test
    void toStringShowsNoPassword() {
        assertThat(PostgresUrl.parse("postgres://app:s3cret@host/db").toString()).doesNotContain("s3cret");
    }
}
