/**
 * berth-core: the scope protocol ({@link dev.berth.scope}) and the generic pool engine
 * ({@link dev.berth.pool}). Depends on nothing but the JDK.
 */
module dev.berth.core {
    requires jdk.jfr;
    requires java.management;

    exports dev.berth.scope;
    exports dev.berth.pool;
    // Not API: helpers berth's own modules share (see its package comment).
    exports dev.berth.internal;
}
