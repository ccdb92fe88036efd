package dev.berth.pool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.berth.pool.testing.CountingFactory;
import dev.berth.pool.testing.CountingFactory.Resource;
import dev.berth.pool.testing.TestPools;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import javax.management.Attribute;
import javax.management.JMX;
import javax.management.MBeanServer;
import javax.management.ObjectName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The pool's MXBean, read and driven through the platform MBean server as an operator's tool does. */
class PoolJmxTest {
    private final MBeanServer server = ManagementFactory.getPlatformMBeanServer();
    private final CountingFactory factory = new CountingFactory();
    @RegisterExtension
    final TestPools<Resource> pools = TestPools.over(factory, () -> PoolConfig.builder()
            .acquireTimeout(Duration.ofSeconds(10)).validateAfterIdle(Duration.ofHours(1)).jmx(true));

    @Test
    void attributesAndOperationsReachTheRunningPool() throws Exception {
        Pool<Resource> pool = pools.open(c -> c.name("jmx-orders").maxSize(4));
        ObjectName name = new ObjectName("dev.berth:type=Pool,name=jmx-orders");
        assertThat(server.isRegistered(name)).isTrue();

        Lease<Resource> lease = pool.acquire();
        assertThat(server.getAttribute(name, "Leased")).isEqualTo(1);
        assertThat(server.getAttribute(name, "Total")).isEqualTo(1);
        assertThat(server.getAttribute(name, "MaxSize")).isEqualTo(4);
        assertThat(server.getAttribute(name, "Name")).isEqualTo("jmx-orders");

        server.setAttribute(name, new Attribute("MaxSize", 7));
        server.setAttribute(name, new Attribute("AcquireTimeoutMillis", 2_000L));
        assertThat(pool.config().maxSize()).isEqualTo(7);
        assertThat(pool.config().acquireTimeout()).isEqualTo(Duration.ofSeconds(2));

        server.invoke(name, "suspend", null, null);
        assertThat(pool.isSuspended()).isTrue();
        assertThat(server.getAttribute(name, "Suspended")).isEqualTo(true);
        server.invoke(name, "resume", null, null);
        assertThat(pool.isSuspended()).isFalse();

        Resource held = lease.get();
        server.invoke(name, "evict", null, null);
        lease.close();
        await().until(() -> held.destroyed); // evicted: destroyed on return
        assertThat((String) server.invoke(name, "report", null, null)).contains("jmx-orders");

        pool.close();
        assertThat(server.isRegistered(name)).as("unregistered at close").isFalse();
    }

    @Test
    void aBadValueIsRefusedWithTheSettingsMessageThroughAProxy() throws Exception {
        Pool<Resource> pool = pools.open(c -> c.name("jmx-proxy").maxSize(3).minIdle(2));
        PoolMXBean bean = JMX.newMXBeanProxy(server, new ObjectName("dev.berth:type=Pool,name=jmx-proxy"), PoolMXBean.class);
        assertThatThrownBy(() -> bean.setMaxSize(1)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("minIdle (2) is greater than maxSize (1)");
        assertThat(pool.config().maxSize()).isEqualTo(3);
        bean.setMinIdle(0);
        bean.setMaxSize(1);
        assertThat(bean.getMaxSize()).isEqualTo(1);
        assertThat(pool.stats().maxSize()).isEqualTo(1);
    }

    @Test
    void twoPoolsWithOneNameCannotBothRegister() {
        pools.open(c -> c.name("jmx-twin"));
        assertThatThrownBy(() -> pools.open(c -> c.name("jmx-twin"))).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("another open pool is called 'jmx-twin'").hasMessageContaining("own name");
    }

    @Test
    void aNameJmxCannotTakeAsItIsIsQuotedAndJmxCanBeSwitchedLive() throws Exception {
        Pool<Resource> pool = pools.open(c -> c.name("db:orders,eu").jmx(false));
        ObjectName name = new ObjectName("dev.berth:type=Pool,name=" + ObjectName.quote("db:orders,eu"));
        assertThat(server.isRegistered(name)).isFalse();
        pool.reconfigure(c -> c.jmx(true));
        assertThat(server.isRegistered(name)).isTrue();
        pool.reconfigure(c -> c.jmx(false));
        assertThat(server.isRegistered(name)).isFalse();
    }
}
