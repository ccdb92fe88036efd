/**
 * berth-micrometer: binds berth pools to a Micrometer {@code MeterRegistry}
 * ({@link dev.berth.micrometer.PoolMetrics}).
 */
module dev.berth.micrometer {
    requires transitive dev.berth.core;
    requires transitive micrometer.core;

    exports dev.berth.micrometer;
}
