package dev.berth.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class RedisUrlTest {

    @Test
    void parsesUserPasswordHostPortAndDatabase() {
        RedisUrl url = RedisUrl.parse("redis://app:s3cret@cache.internal:6380/2");
        assertThat(url.tls()).isFalse();
        assertThat(url.host()).isEqualTo("cache.internal");
        assertThat(url.port()).isEqualTo(6380);
        assertThat(url.database()).isEqualTo(2);
        assertThat(url.user()).isEqualTo("app");
        assertThat(url.password()).isEqualTo("s3cret");
    }

    @Test
    void defaultsToPort6379DatabaseZeroAndNoCredentials() {
        RedisUrl url = RedisUrl.parse("redis://localhost");
        assertThat(url.port()).isEqualTo(6379);
        assertThat(url.database()).isZero();
        assertThat(url.user()).isNull();
        assertThat(url.hasPassword()).isFalse();
    }

    @Test
    void redissMeansTls() {
        assertThat(RedisUrl.parse("rediss://h:6390").tls()).isTrue();
    }

    @Test
    void userInfoWithoutColonIsAPassword() {
        RedisUrl url = RedisUrl.parse("redis://s3cret@h");
        assertThat(url.user()).isNull();
        assertThat(url.password()).isEqualTo("s3cret");
        assertThat(RedisUrl.parse("redis://:s3cret@h").password()).isEqualTo("s3cret");
    }

    @Test
    void percentEncodedPasswordIsDecoded() {
        assertThat(RedisUrl.parse("redis://u:p%40ss%2Bw@h").password()).isEqualTo("p@ss+w");
    }

    @Test
    void toStringHidesThePassword() {
        assertThat(RedisUrl.parse("redis://app:s3cret@h:1/3")).hasToString("redis://app:***@h:1/3");
        assertThat(RedisUrl.parse("redis://s3cret@h")).hasToString("redis://:***@h:6379/0");
    }

    @Test
    void malformedUrlErrorsHideThePassword() {
        assertThatThrownBy(() -> RedisUrl.parse("http://app:s3cret@h"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("redis://").hasMessageContaining("scheme 'http'")
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("s3cret"));
        assertThatThrownBy(() -> RedisUrl.parse("redis://app:s3cret@h/x"))
                .hasMessageContaining("database number")
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("s3cret"));
        assertThatThrownBy(() -> RedisUrl.parse("redis://app:s3 cret@h"))
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("s3 cret"));
    }
}
