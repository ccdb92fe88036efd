/**
 * berth-jdbc: a {@link javax.sql.DataSource} for PostgreSQL whose connections are berth leases, configured
 * with HikariCP's property names ({@link dev.berth.jdbc.BerthDataSource}). pgjdbc does the talking.
 */
module dev.berth.jdbc {
    requires transitive java.sql;
    requires transitive dev.berth.core;
    requires org.postgresql.jdbc;
    exports dev.berth.jdbc;
}
