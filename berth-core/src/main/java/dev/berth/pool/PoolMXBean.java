package dev.berth.pool;

/**
 * A pool seen and driven through JMX (JConsole, VisualVM, jmx_exporter, Spring Boot's actuator). Registered with the
 * platform MBean server while the pool is open when {@link PoolConfig.Builder#jmx(boolean)} is on, under
 * <pre>dev.berth:type=Pool,name=&lt;pool name&gt;</pre>
 * (the name quoted with {@link javax.management.ObjectName#quote} when it holds one of {@code , = : " * ?} or a
 * newline). Setters change the running pool through {@link Pool#reconfigure}: a bad value is refused with the same
 * message, and nothing changes. Durations are in milliseconds, as HikariCP's MXBeans give them.
 * {@snippet :
 * MBeanServer server = ManagementFactory.getPlatformMBeanServer();
 * PoolMXBean orders = JMX.newMXBeanProxy(server,
 *         new ObjectName("dev.berth:type=Pool,name=orders-db"), PoolMXBean.class);
 * orders.setMaxSize(40);
 * }
 */
public interface PoolMXBean {

    /** @return the pool's name */
    String getName();

    /** @return resources that exist now, idle and leased */
    int getTotal();

    /** @return resources ready to lend */
    int getIdle();

    /** @return resources lent out */
    int getLeased();

    /** @return callers waiting for a resource */
    int getWaiting();

    /** @return resources created since the pool opened */
    long getCreated();

    /** @return resources destroyed since the pool opened */
    long getDestroyed();

    /** @return acquires that timed out since the pool opened */
    long getTimeouts();

    /** @return creations that failed since the pool opened */
    long getCreationFailures();

    /** @return whether the pool is suspended */
    boolean isSuspended();

    /** @return the most resources the pool may hold */
    int getMaxSize();

    /** @param maxSize the most resources the pool may hold; see {@link Pool#reconfigure} */
    void setMaxSize(int maxSize);

    /** @return idle resources kept ready */
    int getMinIdle();

    /** @param minIdle idle resources to keep ready */
    void setMinIdle(int minIdle);

    /** @return how long an acquire waits, in milliseconds */
    long getAcquireTimeoutMillis();

    /** @param millis how long an acquire waits, for acquires that start afterwards */
    void setAcquireTimeoutMillis(long millis);

    /** @return the age at which resources are retired, in milliseconds (0 = never) */
    long getMaxLifetimeMillis();

    /** @param millis the age at which resources created afterwards are retired */
    void setMaxLifetimeMillis(long millis);

    /** @return how long a surplus resource may stay idle, in milliseconds (0 = forever) */
    long getIdleTimeoutMillis();

    /** @param millis how long a surplus resource may stay idle */
    void setIdleTimeoutMillis(long millis);

    /** @return how often idle resources are validated, in milliseconds (0 = never) */
    long getKeepaliveTimeMillis();

    /** @param millis how often idle resources are validated */
    void setKeepaliveTimeMillis(long millis);

    /** @return the longest a validation may take, in milliseconds */
    long getValidationTimeoutMillis();

    /** @param millis the longest a validation may take */
    void setValidationTimeoutMillis(long millis);

    /** @return hold time after which a lease is reported as a possible leak, in milliseconds (0 = off) */
    long getLeakDetectionThresholdMillis();

    /** @param millis hold time after which leases taken afterwards are reported as possible leaks */
    void setLeakDetectionThresholdMillis(long millis);

    /** @return hold time after which a returned lease is logged as slow, in milliseconds (0 = off) */
    long getSlowLeaseThresholdMillis();

    /** @param millis hold time after which a returned lease is logged as slow */
    void setSlowLeaseThresholdMillis(long millis);

    /** Stops lending until {@link #resume()}; see {@link Pool#suspend()}. */
    void suspend();

    /** Lends again; see {@link Pool#resume()}. */
    void resume();

    /** Retires every resource softly; see {@link Pool#evict()}. */
    void evict();

    /** Validates every resource before it is lent again; see {@link Pool#revalidate()}. */
    void revalidate();

    /** @return the pool's report: state, counters and its longest holders (see {@link Pool#report()}) */
    String report();
}
