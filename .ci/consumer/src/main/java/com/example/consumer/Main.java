package com.example.consumer;

import dev.berth.jdbc.BerthDataSource;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;

/**
 * Opens a BerthDataSource on the PostgreSQL named by BERTH_CONSUMER_JDBC_URL (default
 * jdbc:postgresql://127.0.0.1:5432/test, user BERTH_CONSUMER_USER or postgres), runs {@code select 1} and says
 * where berth was loaded from: a named module (module path) or the class path.
 */
public final class Main {

    private Main() {
    }

    public static void main(String[] args) throws Exception {
        String url = System.getenv().getOrDefault("BERTH_CONSUMER_JDBC_URL", "jdbc:postgresql://127.0.0.1:5432/test");
        String user = System.getenv().getOrDefault("BERTH_CONSUMER_USER", "postgres");
        try (BerthDataSource db = BerthDataSource.builder()
                .jdbcUrl(url)
                .username(user)
                .password(System.getenv("BERTH_CONSUMER_PASSWORD"))
                .maximumPoolSize(2)
                .poolName("consumer")
                .build();
             Connection connection = db.getConnection();
             Statement statement = connection.createStatement();
             ResultSet result = statement.executeQuery("select 1")) {
            if (!result.next() || result.getInt(1) != 1) {
                throw new IllegalStateException("select 1 on " + url + " did not return 1");
            }
            Module berth = BerthDataSource.class.getModule();
            System.out.println("select 1 through berth-jdbc on " + url + ": 1 (berth "
                    + (berth.isNamed() ? "from module " + berth.getName() : "on the class path") + ")");
        }
    }
}
