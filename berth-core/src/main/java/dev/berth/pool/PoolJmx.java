package dev.berth.pool;

import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.function.UnaryOperator;
import javax.management.InstanceAlreadyExistsException;
import javax.management.JMException;
import javax.management.MBeanServer;
import javax.management.MalformedObjectNameException;
import javax.management.ObjectName;

/** A pool's {@link PoolMXBean}, registered with the platform MBean server while the pool is open. */
final class PoolJmx implements PoolMXBean {
    private static final System.Logger LOG = System.getLogger("dev.berth.pool");

    private final FairPool<?> pool;
    private final ObjectName objectName;

    private PoolJmx(FairPool<?> pool, ObjectName objectName) {
        this.pool = pool;
        this.objectName = objectName;
    }

    /** The documented name: {@code dev.berth:type=Pool,name=<name>}, quoted only when the name needs it. */
    static ObjectName objectName(String poolName) {
        boolean plain = poolName.chars().noneMatch(c -> ",=:\"*?\n".indexOf(c) >= 0);
        try {
            return new ObjectName("dev.berth:type=Pool,name=" + (plain ? poolName : ObjectName.quote(poolName)));
        } catch (MalformedObjectNameException e) {
            throw new IllegalArgumentException("pool name '" + poolName + "' cannot name a JMX MBean: " + e.getMessage(), e);
        }
    }

    /**
     * Registers the pool's MXBean.
     *
     * @throws IllegalStateException when another MBean has the name (two pools named alike): give each pool its own name
     */
    static PoolJmx register(FairPool<?> pool) {
        String name = pool.config().name();
        PoolJmx bean = new PoolJmx(pool, objectName(name));
        MBeanServer server = ManagementFactory.getPlatformMBeanServer();
        try {
            server.registerMBean(bean, bean.objectName);
        } catch (InstanceAlreadyExistsException e) {
            throw new IllegalStateException("JMX already has an MBean named " + bean.objectName + ": another open pool is"
                    + " called '" + name + "'. Give each pool its own name, or turn jmx off for one of them", e);
        } catch (JMException e) {
            throw new IllegalStateException("could not register pool '" + name + "' with JMX: " + e.getMessage(), e);
        }
        return bean;
    }

    void unregister() {
        try {
            ManagementFactory.getPlatformMBeanServer().unregisterMBean(objectName);
        } catch (JMException e) {
            LOG.log(System.Logger.Level.DEBUG, () -> "pool MBean " + objectName + " was already unregistered: " + e);
        }
    }

    private void change(UnaryOperator<PoolConfig.Builder> change) {
        pool.reconfigure(change); // an IllegalArgumentException reaches the JMX client with the setting's message
    }

    @Override public String getName() { return pool.config().name(); }
    @Override public int getTotal() { return pool.counts().total(); }
    @Override public int getIdle() { return pool.counts().idle(); }
    @Override public int getLeased() { return pool.counts().leased(); }
    @Override public int getWaiting() { return pool.counts().waiting(); }
    @Override public long getCreated() { return pool.counts().created(); }
    @Override public long getDestroyed() { return pool.counts().destroyed(); }
    @Override public long getTimeouts() { return pool.counts().timeouts(); }
    @Override public long getCreationFailures() { return pool.counts().creationFailures(); }
    @Override public boolean isSuspended() { return pool.isSuspended(); }

    @Override public int getMaxSize() { return pool.config().maxSize(); }
    @Override public void setMaxSize(int maxSize) { change(b -> b.maxSize(maxSize)); }
    @Override public int getMinIdle() { return pool.config().minIdle(); }
    @Override public void setMinIdle(int minIdle) { change(b -> b.minIdle(minIdle)); }
    @Override public long getAcquireTimeoutMillis() { return pool.config().acquireTimeout().toMillis(); }
    @Override public void setAcquireTimeoutMillis(long millis) { change(b -> b.acquireTimeout(Duration.ofMillis(millis))); }
    @Override public long getMaxLifetimeMillis() { return pool.config().maxLifetime().toMillis(); }
    @Override public void setMaxLifetimeMillis(long millis) { change(b -> b.maxLifetime(Duration.ofMillis(millis))); }
    @Override public long getIdleTimeoutMillis() { return pool.config().idleTimeout().toMillis(); }
    @Override public void setIdleTimeoutMillis(long millis) { change(b -> b.idleTimeout(Duration.ofMillis(millis))); }
    @Override public long getKeepaliveTimeMillis() { return pool.config().keepaliveTime().toMillis(); }
    @Override public void setKeepaliveTimeMillis(long millis) { change(b -> b.keepaliveTime(Duration.ofMillis(millis))); }
    @Override public long getValidationTimeoutMillis() { return pool.config().validationTimeout().toMillis(); }
    @Override public void setValidationTimeoutMillis(long millis) { change(b -> b.validationTimeout(Duration.ofMillis(millis))); }
    @Override public long getLeakDetectionThresholdMillis() { return pool.config().leakDetectionThreshold().toMillis(); }
    @Override public void setLeakDetectionThresholdMillis(long millis) { change(b -> b.leakDetectionThreshold(Duration.ofMillis(millis))); }
    @Override public long getSlowLeaseThresholdMillis() { return pool.config().slowLeaseThreshold().toMillis(); }
    @Override public void setSlowLeaseThresholdMillis(long millis) { change(b -> b.slowLeaseThreshold(Duration.ofMillis(millis))); }

    @Override public void suspend() { pool.suspend(); }
    @Override public void resume() { pool.resume(); }
    @Override public void evict() { pool.evict(); }
    @Override public void revalidate() { pool.revalidate(); }
    @Override public String report() { return pool.report().toString(); }
}
