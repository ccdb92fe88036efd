package dev.berth.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.berth.pool.Pool;
import dev.berth.scope.Scope;
import dev.berth.scope.Scopes;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * The one call-site rule: library code is the JDK, whatever comes from a jar or directory that ships the berth
 * marker, and the prefixes those markers list. This test lives in a berth package but not in a berth library, so
 * it is the application.
 */
class CallSitesTest {

    @Test
    void classesFromABerthLibraryAreLibraryCode() {
        assertThat(CallSites.isLibrary(Pool.class)).isTrue();
        assertThat(CallSites.isLibrary("dev.berth.pool.FairPool")).isTrue();
        assertThat(CallSites.isLibrary("dev.berth.internal.CallSites")).isTrue();
    }

    @Test
    void aTestInABerthPackageIsTheApplication() {
        assertThat(CallSites.isLibrary(CallSitesTest.class)).isFalse();
        assertThat(CallSites.isLibrary(CallSitesTest.class.getName())).isFalse();
    }

    @Test
    void theJdkIsLibraryCode() {
        assertThat(CallSites.isLibrary(String.class)).isTrue();
        assertThat(CallSites.isLibrary("java.util.concurrent.locks.LockSupport")).isTrue();
        assertThat(CallSites.isLibrary("jdk.internal.misc.Unsafe")).isTrue();
    }

    @Test
    void nestedAndLambdaClassesAreJudgedByTheirTopLevelClass() {
        assertThat(CallSites.isLibrary("dev.berth.pool.FairPool$$Lambda/0x000001f0010a3c58")).isTrue();
        assertThat(CallSites.isLibrary("dev.berth.scope.Scopes$1")).isTrue();
        assertThat(CallSites.isLibrary(CallSitesTest.class.getName() + "$$Lambda/0x0000000801234")).isFalse();
    }

    @Test
    void aClassNoLoaderKnowsIsTheApplication() {
        assertThat(CallSites.isLibrary("com.example.orders.CheckoutService")).isFalse();
    }

    @Test
    void theFirstApplicationFrameIsTheCallerPastBerthsOwnFrames() throws Exception {
        AtomicReference<Throwable> recorded = new AtomicReference<>();
        Scope<String> scope = new Scope<>() {
            @Override
            public String enter() {
                return "entered";
            }

            @Override
            public boolean exit(Throwable failure) {
                return false;
            }
        };
        Scopes.using(scope, value -> {
            recorded.set(CallSites.record());
            return value;
        });

        StackTraceElement site = CallSites.firstApplicationFrame(recorded.get().getStackTrace());

        assertThat(site).isNotNull();
        assertThat(site.getClassName()).startsWith(CallSitesTest.class.getName());
        assertThat(site.getMethodName()).contains("theFirstApplicationFrameIsTheCallerPastBerthsOwnFrames");
    }

    @Test
    void aStackOfLibraryFramesOnlyHasNoApplicationFrame() {
        StackTraceElement[] stack = {
            new StackTraceElement("dev.berth.pool.FairPool", "acquire", "FairPool.java", 1),
            new StackTraceElement("java.lang.Thread", "run", "Thread.java", 2),
        };
        assertThat(CallSites.firstApplicationFrame(stack)).isNull();
    }

    @Test
    void aResourceUrlAndItsCodeSourceReduceToTheSameLocation() {
        assertThat(CallSites.location("jar:file:/libs/berth-jdbc.jar!/")).isEqualTo("file:/libs/berth-jdbc.jar");
        assertThat(CallSites.location("file:/libs/berth-jdbc.jar")).isEqualTo("file:/libs/berth-jdbc.jar");
        assertThat(CallSites.location("file:/repo/berth-core/target/classes/")).isEqualTo("file:/repo/berth-core/target/classes");
        assertThat(CallSites.location("jar:nested:/app.jar/!BOOT-INF/lib/berth-core.jar!/"))
                .isEqualTo(CallSites.location("jar:nested:/app.jar/!BOOT-INF/lib/berth-core.jar!/"))
                .isEqualTo("nested:/app.jar/!BOOT-INF/lib/berth-core.jar");
    }
}
