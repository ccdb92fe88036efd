/**
 * berth-jdbc: PostgreSQL through berth, in two layers.
 * <ul>
 *   <li>{@link dev.berth.jdbc}: the data source. {@link dev.berth.jdbc.BerthDataSource} is a
 *       {@link javax.sql.DataSource} whose connections are berth leases, configured with HikariCP's property
 *       names; pgjdbc does the talking.</li>
 *   <li>{@link dev.berth.jdbc.tx}: transactions on top of any pooled data source.
 *       {@link dev.berth.jdbc.tx.Database} runs a unit of work in a transaction with retry of serialization
 *       failures, nesting as savepoints, read replicas and a long-transaction watch. It uses only the data
 *       source's public API.</li>
 * </ul>
 */
module dev.berth.jdbc {
    requires transitive java.sql;
    requires transitive dev.berth.core;
    requires org.postgresql.jdbc;
    exports dev.berth.jdbc;
    exports dev.berth.jdbc.tx;
}
