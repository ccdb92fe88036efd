package dev.berth.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.sql.SQLException;
import org.junit.jupiter.api.Test;

/** Unit tests; no server needed. */
class SecretsTest {

    private final Secrets secrets = new Secrets("hunter2", null, "ab");

    @Test
    void cleanFailuresAreReturnedUnchanged() {
        SQLException failure = new SQLException("database \"nope\" does not exist", "3D000");

        assertThat(secrets.scrub(failure)).isSameAs(failure);
    }

    @Test
    void aSecretAnywhereInTheChainIsMaskedAndSqlStateKept() {
        SQLException failure = new SQLException("could not connect", "08001",
                new IOException("url jdbc:postgresql://h/db?password=hunter2 refused"));

        Throwable clean = secrets.scrub(failure);

        assertThat(clean).isInstanceOf(SQLException.class).hasMessage("could not connect");
        assertThat(((SQLException) clean).getSQLState()).isEqualTo("08001");
        assertThat(clean.getCause()).isInstanceOf(IOException.class)
                .hasMessage("url jdbc:postgresql://h/db?password=*** refused");
        assertThat(clean.getStackTrace()).isEqualTo(failure.getStackTrace());
    }

    @Test
    void aBarePasswordInTextIsMasked() {
        assertThat(secrets.mask("auth failed for hunter2")).isEqualTo("auth failed for ***");
    }

    @Test
    void veryShortSecretsAreNotMaskedBecauseTheyWouldEatOrdinaryWords() {
        assertThat(secrets.mask("about")).isEqualTo("about");
    }
}
