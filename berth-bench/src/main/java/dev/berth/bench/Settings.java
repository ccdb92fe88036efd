package dev.berth.bench;

/**
 * How long each part runs. {@link #FULL} fits the three groups in about 20 minutes on 2 cores;
 * {@link #SMOKE} only proves that everything runs (its figures mean little).
 *
 * @param jmhWarmups     JMH warm-up iterations per benchmark (one fork each)
 * @param jmhMeasures    JMH measured iterations
 * @param jmhSeconds     seconds per JMH iteration
 * @param rounds         forks per contender for the virtual-thread runs, contenders alternating
 * @param warmupSeconds  warm-up per fork
 * @param measureSeconds length of one measured interval
 * @param repeats        measured intervals per fork
 * @param oversubWarmupSeconds warm-up per fork in group (2): long enough for G1's first young collections
 *                            (17 to 23 ms each while it sizes the young generation, near 3 s and 6 s) to end
 *                            before the measurement; each such pause adds its length to the ~1,000 waits in flight
 *                            and, inside the measurement, sets the p99.9 of every contender
 * @param oversubMeasureSeconds length of one measured interval in group (2), longer for the tail
 * @param selectWarmupSeconds warm-up per fork in group (3): PostgreSQL and the JIT settle slower than a no-op
 *                            driver (with 2 s the first measured second ran up to half as fast as the next)
 * @param selectMeasureSeconds length of one measured interval in group (3)
 */
record Settings(int jmhWarmups, int jmhMeasures, double jmhSeconds, int rounds, double warmupSeconds,
                double measureSeconds, int repeats, double oversubWarmupSeconds, double oversubMeasureSeconds,
                double selectWarmupSeconds, double selectMeasureSeconds) {

    static final Settings FULL = new Settings(3, 5, 1, 3, 2, 1, 3, 8, 4, 5, 2);
    static final Settings SMOKE = new Settings(1, 2, 0.2, 1, 0.5, 0.3, 2, 0.5, 0.5, 0.5, 0.3);
}
