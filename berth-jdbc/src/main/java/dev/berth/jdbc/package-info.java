/**
 * The data source layer: {@link dev.berth.jdbc.BerthDataSource}, a {@link javax.sql.DataSource} for PostgreSQL
 * whose connections are berth leases, configured with HikariCP's property names
 * ({@link dev.berth.jdbc.BerthDataSourceBuilder}), and {@link dev.berth.jdbc.ConnectionLoss}, the rule by which
 * it tells a lost connection from an ordinary SQL error.
 *
 * {@snippet :
 * try (BerthDataSource dataSource = BerthDataSource.fromUrl(System.getenv("DATABASE_URL"));
 *      Connection connection = dataSource.getConnection()) {
 *     // plain JDBC; close() gives the connection back to the pool
 * }
 * }
 *
 * <p>Everything else here (the pooled, physical and forwarding connections, the connection reset, URL and
 * secret parsing, the settings) is package-private. Transactions with retry live one layer up, in
 * {@link dev.berth.jdbc.tx}.
 */
package dev.berth.jdbc;
