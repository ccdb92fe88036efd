package dev.berth.bench;

import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * Group (1) on platform threads: borrow a connection and give it back, nothing in between, so the figure
 * is what the pool itself costs. The thread count comes from the runner ({@code -t 1}, {@code -t 4},
 * {@code -t 16}); every thread shares one pool of {@code poolSize}. JMH runs each contender in a JVM of
 * its own.
 *
 * <p>On {@code target=noop} berth is its {@code Pool} (leases), HikariCP its DataSource (proxy
 * connections); on {@code target=postgres} both are DataSources over real pgjdbc connections, still with
 * no query and no round trip per borrow.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class PoolOverheadBenchmark {

    @Param({"berth", "hikari", "queue"})
    public String contender;

    @Param({"noop"})
    public String target;

    @Param({"10"})
    public int poolSize;

    private Contender pool;

    @Setup(Level.Trial)
    public void open() throws Exception {
        pool = Contender.open(contender, Target.of(target), poolSize);
    }

    @TearDown(Level.Trial)
    public void close() throws Exception {
        pool.close();
    }

    @Benchmark
    public void getAndClose() throws Exception {
        pool.release(pool.borrow());
    }
}
