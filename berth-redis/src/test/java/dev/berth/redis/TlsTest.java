package dev.berth.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.berth.pool.PoolConfig;
import dev.berth.pool.PoolException;
import java.io.InputStream;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** rediss:// against a private redis-server with a TLS port and a self-signed certificate made by openssl. */
class TlsTest {
    @TempDir
    static Path dir;
    private static PrivateRedis server;
    private static int tlsPort;

    @BeforeAll
    static void startTlsServer() throws Exception {
        Process openssl;
        try {
            openssl = new ProcessBuilder("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                    "-keyout", dir.resolve("key.pem").toString(), "-out", dir.resolve("cert.pem").toString(),
                    "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1")
                    .redirectErrorStream(true).redirectOutput(dir.resolve("openssl.log").toFile()).start();
        } catch (java.io.IOException e) {
            assumeTrue(false, "openssl is not installed, so no test certificate can be made: " + e.getMessage());
            return;
        }
        assertThat(openssl.waitFor()).as(Files.readString(dir.resolve("openssl.log"))).isZero();
        try (ServerSocket s = new ServerSocket(0)) {
            tlsPort = s.getLocalPort();
        }
        server = PrivateRedis.launch("--tls-port", Integer.toString(tlsPort),
                "--tls-cert-file", dir.resolve("cert.pem").toString(), "--tls-key-file", dir.resolve("key.pem").toString(),
                "--tls-auth-clients", "no");
    }

    @AfterAll
    static void stop() throws Exception {
        if (server != null) {
            server.close();
        }
    }

    private static SSLSocketFactory trusting(Path cert) throws Exception {
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        try (InputStream in = Files.newInputStream(cert)) {
            trust.setCertificateEntry("redis", CertificateFactory.getInstance("X.509").generateCertificate(in));
        }
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, tmf.getTrustManagers(), null);
        return context.getSocketFactory();
    }

    @Test
    void redissConnectsWithTlsWhenTheCertificateIsTrusted() throws Exception {
        try (RedisPool redis = RedisPool.builder("rediss://127.0.0.1:" + tlsPort + "/0")
                .tls(trusting(dir.resolve("cert.pem"))).build()) {
            String key = "tls-" + System.nanoTime();
            redis.client().set(key, "secret-free");
            assertThat(redis.client().get(key)).isEqualTo("secret-free");
        }
    }

    @Test
    void anUntrustedCertificateIsRefusedWithTheReason() {
        try (RedisPool redis = RedisPool.builder("rediss://127.0.0.1:" + tlsPort + "/0")
                .pool(PoolConfig.builder().acquireTimeout(Duration.ofSeconds(2)).build()).build()) {
            assertThatThrownBy(() -> redis.client().ping())
                    .isInstanceOf(PoolException.class)
                    .rootCause().hasMessageContaining("certification path");
        }
    }

    @Test
    void aTlsSocketFactoryNeedsARedissUrl() {
        assertThatThrownBy(() -> RedisPool.builder("redis://127.0.0.1:6379").tls((SSLSocketFactory) SSLSocketFactory.getDefault()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("rediss://");
    }
}
