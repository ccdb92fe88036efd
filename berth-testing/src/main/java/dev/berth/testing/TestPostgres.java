package dev.berth.testing;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;

/**
 * The PostgreSQL server the integration tests talk to: the one on 127.0.0.1:5432 (database {@code test},
 * user {@code postgres}, trust auth) when it answers, otherwise an embedded PostgreSQL started once per JVM
 * and stopped at exit. {@code BERTH_TEST_EMBEDDED_PG=1} forces the embedded one. Shared by the test trees of
 * berth-jdbc, berth-web and the modules after them, so every module checks the same server.
 */
public final class TestPostgres {

    private static final String LOCAL_URL = "jdbc:postgresql://127.0.0.1:5432/test";
    private static final String URL = chooseServer();

    private TestPostgres() {
    }

    /** @return a jdbc:postgresql URL without credentials; the user is {@link #user()} */
    public static String jdbcUrl() {
        return URL;
    }

    /** @return the superuser the tests log in as (trust auth: any password is accepted) */
    public static String user() {
        return "postgres";
    }

    /** @return whether the tests run on an embedded server */
    public static boolean embedded() {
        return !URL.equals(LOCAL_URL);
    }

    /** @return a plain, unpooled connection for observing the server from the side */
    public static Connection plainConnection() throws SQLException {
        return DriverManager.getConnection(URL, user(), "");
    }

    private static String chooseServer() {
        if (!"1".equals(System.getenv("BERTH_TEST_EMBEDDED_PG")) && answers("127.0.0.1", 5432)) {
            return LOCAL_URL;
        }
        try {
            EmbeddedPostgres pg = EmbeddedPostgres.builder().start();
            Runtime.getRuntime().addShutdownHook(Thread.ofPlatform().unstarted(() -> {
                try {
                    pg.close();
                } catch (IOException e) {
                    System.err.println("embedded PostgreSQL did not stop cleanly: " + e);
                }
            }));
            return "jdbc:postgresql://127.0.0.1:" + pg.getPort() + "/postgres";
        } catch (IOException e) {
            throw new UncheckedIOException("no PostgreSQL on 127.0.0.1:5432 and the embedded one did not start", e);
        }
    }

    private static boolean answers(String host, int port) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(host, port), 500);
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
