package dev.berth.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * {@link TestDns}, the resolver DnsChangeTest moves names with: it answers its own domain, hands every other name to
 * the JDK's resolver, and in this JVM (run with {@code -Dsun.net.inetaddr.ttl=0}) is asked on every lookup. Under the
 * JDK's default cache policy a moved name keeps its old address: shown in a child JVM, without waiting for the 30 s.
 */
class TestDnsTest {

    @Test
    void aTestNameResolvesToWhereTheTestPointedItAndFollowsAMove() throws UnknownHostException {
        String name = "follows" + TestDns.DOMAIN;
        try {
            TestDns.point(name, "127.0.0.2");
            assertThat(InetAddress.getByName(name).getHostAddress()).isEqualTo("127.0.0.2");

            TestDns.point(name, "127.0.0.3");

            assertThat(InetAddress.getByName(name).getHostAddress()).isEqualTo("127.0.0.3");
            assertThat(TestDns.lookups(name)).isEqualTo(2);
        } finally {
            TestDns.forget(name);
        }
    }

    @Test
    void aTestNameNobodyPointedIsUnknownWithoutAskingTheSystemsDns() {
        assertThatThrownBy(() -> InetAddress.getByName("nobody" + TestDns.DOMAIN))
                .isInstanceOf(UnknownHostException.class).hasMessageContaining("no such test name");
    }

    @Test
    void everyOtherNameGoesToTheBuiltInResolver() throws UnknownHostException {
        assertThat(InetAddress.getByName("localhost").isLoopbackAddress()).as("localhost, from the hosts file").isTrue();
        assertThat(TestDns.lookups("localhost")).as("lookups TestDns counted for a name outside its domain").isZero();
    }

    @Test
    void theJvmAsksTestDnsOnEveryLookupInBerthJdbcsTests() {
        assertThat(TestDns.jvmAsksOnEveryLookup()).isNull();
    }

    @Test
    void underTheJdksDefaultCachePolicyAMovedNameKeepsItsOldAddress() throws Exception {
        assertThat(answerAfterTheMoveInAChildJvm()).as("the JVM's cache answers (networkaddress.cache.ttl, 30 s by default)")
                .isEqualTo("127.0.0.2");
        assertThat(answerAfterTheMoveInAChildJvm("-Dsun.net.inetaddr.ttl=0")).as("with the cache off").isEqualTo("127.0.0.3");
    }

    /** Runs {@link MoveAndLookUpAgain} in a new JVM with this class path and the given options; returns what it printed. */
    private static String answerAfterTheMoveInAChildJvm(String... options) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(List.of(options));
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), MoveAndLookUpAgain.class.getName()));
        Process child = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(child.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        assertThat(child.waitFor(30, TimeUnit.SECONDS)).as("the child JVM ended").isTrue();
        assertThat(child.exitValue()).as("the child JVM's exit status; it printed: %s", output).isZero();
        return output;
    }

    /** Looks a test name up, moves it, looks it up again and prints the second answer. */
    static final class MoveAndLookUpAgain {
        public static void main(String[] args) throws UnknownHostException {
            String name = "moved" + TestDns.DOMAIN;
            TestDns.point(name, "127.0.0.2");
            InetAddress.getByName(name);
            TestDns.point(name, "127.0.0.3");
            System.out.println(InetAddress.getByName(name).getHostAddress());
        }
    }
}
