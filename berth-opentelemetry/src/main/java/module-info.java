/**
 * berth-opentelemetry: reports berth pools through the OpenTelemetry API, under the semantic conventions for
 * database client connection pools ({@link dev.berth.opentelemetry.PoolTelemetry}).
 */
module dev.berth.opentelemetry {
    requires transitive dev.berth.core;
    requires transitive io.opentelemetry.api;

    exports dev.berth.opentelemetry;
}
