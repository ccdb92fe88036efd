package dev.berth.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.berth.jdbc.FatalErrorRule.Context;
import dev.berth.jdbc.FatalErrorRule.ServerMode;
import dev.berth.jdbc.FatalErrorRule.Verdict;
import dev.berth.testing.PostgresPair;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.UserPrincipalLookupService;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A server whose disk is full (SQLSTATE 53100, "could not extend file ...: No space left on device"), injected for
 * real: a 16 MB tmpfs mounted for the test holds a tablespace of the primary of a {@link PostgresPair} (its standby is
 * stopped first: on the same machine it would replay the tablespace into the same directory), and virtual threads
 * insert into a table there through a {@link BerthDataSource} until the server refuses. Needs root (to mount) and a
 * kernel that lets it mount a tmpfs; skipped, saying which is missing, otherwise, and without PostgreSQL server binaries.
 *
 * <p>What a caller sees: the insert that finds no space fails at once with the server's 53100; the pool keeps the
 * connection (the standard {@link FatalErrorRule} judges 53100 {@link Verdict#NOT_FATAL}: the session is fine, the disk
 * is not), tables on other disks keep working through the same connections, and inserts succeed again as soon as
 * space is freed. Before each test the table is emptied and filled again until the disk is full.
 */
class DiskFullTest {

    private static final String DISK_SIZE = "16m";
    private static final int POOL_SIZE = 4;
    private static final int WRITERS = 8;
    /** 44 bytes a row on disk, 185 rows a page: a batch takes 28 pages, 224 KB. */
    private static final int BATCH_ROWS = 5_000;
    private static final String FILL_BATCH = "insert into filler select g, now() from generate_series(1, " + BATCH_ROWS + ") g";
    /** 8 writers x 100 batches is 180 MB: far more than the disk; a writer that gets this far found no full disk. */
    private static final int MAX_BATCHES_PER_WRITER = 100;
    private static final long CONNECTION_TIMEOUT_MS = 5_000;
    private static final long VALIDATION_TIMEOUT_MS = 2_000;
    /** Far below every timeout of the pool: a failure this prompt waited for nothing but the statement. */
    private static final Duration PROMPT = Duration.ofMillis(1_000);

    private static Path parent;
    private static Path mountPoint;
    private static boolean mounted;
    private static PostgresPair pair;
    private static BerthDataSource dataSource;
    private static Set<Integer> sessions;

    private Fill fill;

    @BeforeAll
    static void mountASmallDiskAndPutATablespaceOnIt() throws Exception {
        String reason = unavailableReason();
        if (reason != null) {
            System.err.println("DiskFullTest skipped: " + reason);
        }
        assumeTrue(reason == null, () -> "disk-full tests skipped: " + reason);
        pair = PostgresPair.start();
        pair.stopStandby();
        try (Connection admin = pair.primaryConnection(); Statement s = admin.createStatement()) {
            s.execute("create tablespace small location '" + mountPoint + "'");
            // Fixed-width columns only, so no TOAST table: TRUNCATE gives a TOAST table a new, empty index, whose
            // metapage needs a page of the full disk, and fails with 53100 itself; a plain table's new file is empty.
            // Autovacuum off: it would make the aborted inserts' pages reusable behind the test's back.
            s.execute("create table filler (id bigint, at timestamptz) with (autovacuum_enabled = off) tablespace small");
            s.execute("create table ledger (id bigint primary key, note text)");
        }
        dataSource = BerthDataSource.builder()
                .jdbcUrl(pair.primaryJdbcUrl())
                .username(pair.user())
                .poolName("disk-full")
                .maximumPoolSize(POOL_SIZE)
                .connectionTimeout(CONNECTION_TIMEOUT_MS)
                .validationTimeout(VALIDATION_TIMEOUT_MS)
                .build();
        sessions = Sessions.backendPidsOfEveryConnection(dataSource, POOL_SIZE);
        assertThat(sessions).hasSize(POOL_SIZE);
    }

    /**
     * Why this machine cannot run the test, or null; mounts the disk when it can (the cheapest way to know).
     */
    private static String unavailableReason() throws IOException {
        String pairReason = PostgresPair.unavailableReason();
        if (pairReason != null) {
            return pairReason;
        }
        if (!"root".equals(System.getProperty("user.name"))) {
            return "mounting a small tmpfs to fill needs root; running as " + System.getProperty("user.name");
        }
        parent = Files.createTempDirectory("berth-disk-full");
        mountPoint = Files.createDirectory(parent.resolve("small"));
        String output = run("mount", "-t", "tmpfs", "-o", "size=" + DISK_SIZE + ",mode=0700", "berth-disk-full", mountPoint.toString());
        if (output != null) {
            deleteDirectories();
            return "mount -t tmpfs failed (a container without CAP_SYS_ADMIN?): " + output;
        }
        mounted = true;
        // PostgreSQL runs as postgres and wants to own its tablespace directory
        UserPrincipalLookupService users = mountPoint.getFileSystem().getUserPrincipalLookupService();
        for (Path dir : List.of(parent, mountPoint)) {
            PosixFileAttributeView view = Files.getFileAttributeView(dir, PosixFileAttributeView.class);
            view.setOwner(users.lookupPrincipalByName("postgres"));
            view.setGroup(users.lookupPrincipalByGroupName("postgres"));
        }
        return null;
    }

    @AfterAll
    static void stopTheServerAndUnmount() throws IOException {
        if (dataSource != null) {
            dataSource.close();
        }
        if (pair != null) {
            pair.close(); // nothing has files open on the disk afterwards
        }
        if (mounted) {
            String output = run("umount", mountPoint.toString());
            if (output != null) {
                System.err.println("DiskFullTest: umount " + mountPoint + " failed (" + output + "); detaching it lazily");
                run("umount", "-l", mountPoint.toString());
            }
        }
        if (parent != null) {
            deleteDirectories();
        }
    }

    @BeforeEach
    void fillTheDisk() throws Exception {
        try (Connection c = dataSource.getConnection(); Statement s = c.createStatement()) {
            s.execute("truncate filler");
        }
        fill = Fill.untilTheDiskIsFull();
    }

    @Test
    void theInsertThatFindsNoSpaceFailsPromptlyWithTheServersReason() {
        assertThat(fill.unexpected).as("failures other than 53100").isEmpty();
        assertThat(fill.failed).as("writers that got 53100").hasSize(WRITERS);
        assertThat(fill.succeeded).as("inserts before the disk was full").isNotEmpty();
        for (Insert failed : fill.failed) {
            assertThat(failed.failure.getMessage()).contains("could not extend file").contains("No space left on device");
            assertThat(Duration.ofNanos(failed.callNanos)).as("getConnection() + the failing insert").isLessThan(PROMPT);
        }
        System.out.printf("disk full: %d batches inserted (longest %d ms), then %d inserts failed with 53100, the longest"
                        + " call %d ms (statement %d ms), e.g.: %s%n",
                fill.succeeded.size(), millis(fill.succeeded.stream().mapToLong(Insert::statementNanos).max().orElseThrow()),
                fill.failed.size(), millis(fill.failed.stream().mapToLong(Insert::callNanos).max().orElseThrow()),
                millis(fill.failed.stream().mapToLong(Insert::statementNanos).max().orElseThrow()),
                fill.failed.getFirst().failure.getMessage());
    }

    @Test
    void theStandardRuleJudgesAFullDiskNotFatal() {
        SQLException diskFull = fill.failed.getFirst().failure;

        Verdict verdict = FatalErrorRule.standard().judge(diskFull,
                new Context(false, false, ServerMode.READ_WRITE, ServerMode.READ_WRITE));

        assertThat(diskFull.getSQLState()).isEqualTo("53100");
        assertThat(verdict).isEqualTo(Verdict.NOT_FATAL);
        assertThat(ConnectionLoss.isLoss(diskFull)).as("a full disk is no lost connection").isFalse();
    }

    @Test
    void theConnectionThatGotTheErrorIsKeptAndLentAgain() throws SQLException {
        Set<Integer> failedOn = new LinkedHashSet<>();
        fill.failed.forEach(insert -> failedOn.add(insert.pid));

        Set<Integer> after = Sessions.backendPidsOfEveryConnection(dataSource, POOL_SIZE);

        assertThat(after).as("sessions after the failures").isEqualTo(sessions).containsAll(failedOn);
        assertThat(dataSource.stats().destroyed()).as("connections destroyed").isZero();
        assertThat(dataSource.stats().created()).as("connections created").isEqualTo(POOL_SIZE);
        assertThat(dataSource.fatalErrors().evictions() + dataSource.fatalErrors().revalidations())
                .as("pool-wide actions").isZero();
    }

    @Test
    void tablesOnOtherDisksKeepWorkingThroughTheSameConnections() throws Exception {
        AtomicLong ids = new AtomicLong(System.nanoTime());
        List<Throwable> unexpected = new CopyOnWriteArrayList<>();
        List<Integer> usedSessions = new CopyOnWriteArrayList<>();
        AtomicLong refused = new AtomicLong();
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < WRITERS; i++) {
            threads.add(Thread.ofVirtual().name("ledger-" + i).start(() -> {
                for (int round = 0; round < 20; round++) {
                    long id = ids.incrementAndGet();
                    try (Connection c = dataSource.getConnection()) {
                        usedSessions.add(Sessions.backendPid(c));
                        writeAndReadBack(c, id);
                        refused.addAndGet(insertIntoTheFullDiskIsRefused(c) ? 1 : 0);
                        writeAndReadBack(c, -id); // the same session, right after its 53100
                    } catch (SQLException | RuntimeException e) {
                        unexpected.add(e);
                    }
                }
            }));
        }
        joinAll(threads);

        assertThat(unexpected).as("failures reading and writing the ledger").isEmpty();
        assertThat(refused.get()).as("inserts into the full disk refused with 53100 meanwhile").isEqualTo(WRITERS * 20L);
        assertThat(new LinkedHashSet<>(usedSessions)).as("sessions used").isEqualTo(sessions);
        assertThat(dataSource.stats().destroyed()).as("connections destroyed").isZero();
    }

    @Test
    void insertsSucceedAgainAsSoonAsSpaceIsFreed() throws SQLException {
        long freed;
        try (Connection c = dataSource.getConnection(); Statement s = c.createStatement()) {
            s.execute("truncate filler");
            freed = System.nanoTime();
        }
        long inserted;
        int rows;
        int pid;
        try (Connection c = dataSource.getConnection(); Statement s = c.createStatement()) {
            pid = Sessions.backendPid(c);
            rows = s.executeUpdate(FILL_BATCH);
            inserted = System.nanoTime();
        }

        assertThat(rows).as("rows of the first insert after the truncate").isEqualTo(BATCH_ROWS);
        assertThat(sessions).contains(pid);
        assertThat(Duration.ofNanos(inserted - freed)).as("from the truncate to the first insert done").isLessThan(PROMPT);
        assertThat(dataSource.stats().destroyed()).isZero();
        System.out.printf("disk full: first insert done %d ms after the truncate freed the disk%n", millis(inserted - freed));
    }

    // ---- the fill -----------------------------------------------------------------------------------------

    /** One insert through the pool: the session, how long the whole call and the statement took, and its failure. */
    private record Insert(int pid, long callNanos, long statementNanos, SQLException failure) {
    }

    /** Writers inserting batches into the small disk through the pool, each until the server refuses with 53100. */
    private static final class Fill {
        final List<Insert> succeeded = new CopyOnWriteArrayList<>();
        final List<Insert> failed = new CopyOnWriteArrayList<>();
        final List<Throwable> unexpected = new CopyOnWriteArrayList<>();

        static Fill untilTheDiskIsFull() throws InterruptedException {
            Fill fill = new Fill();
            List<Thread> threads = new ArrayList<>();
            for (int i = 0; i < WRITERS; i++) {
                threads.add(Thread.ofVirtual().name("filler-" + i).start(fill::insertUntilRefused));
            }
            joinAll(threads);
            return fill;
        }

        private void insertUntilRefused() {
            for (int batch = 0; batch < MAX_BATCHES_PER_WRITER; batch++) {
                long call = System.nanoTime();
                try (Connection c = dataSource.getConnection()) {
                    int pid = Sessions.backendPid(c);
                    long statement = System.nanoTime();
                    try (Statement s = c.createStatement()) {
                        s.executeUpdate(FILL_BATCH);
                        long done = System.nanoTime();
                        succeeded.add(new Insert(pid, done - call, done - statement, null));
                    } catch (SQLException e) {
                        long done = System.nanoTime();
                        if (!"53100".equals(e.getSQLState())) {
                            throw e;
                        }
                        failed.add(new Insert(pid, done - call, done - statement, e));
                        return;
                    }
                } catch (SQLException | RuntimeException e) {
                    unexpected.add(e);
                    return;
                }
            }
            unexpected.add(new AssertionError(Thread.currentThread().getName() + " inserted " + MAX_BATCHES_PER_WRITER
                    + " batches without filling the disk"));
        }
    }

    // ---- helpers ------------------------------------------------------------------------------------------

    private static void writeAndReadBack(Connection c, long id) throws SQLException {
        try (PreparedStatement insert = c.prepareStatement("insert into ledger (id, note) values (?, 'written while the disk is full')")) {
            insert.setLong(1, id);
            insert.executeUpdate();
        }
        try (PreparedStatement read = c.prepareStatement("select note from ledger where id = ?")) {
            read.setLong(1, id);
            try (ResultSet rs = read.executeQuery()) {
                if (!rs.next()) {
                    throw new IllegalStateException("ledger row " + id + " written on this connection is missing");
                }
            }
        }
    }

    /** @return true when the server refused an insert into the full disk with 53100; anything else is thrown */
    private static boolean insertIntoTheFullDiskIsRefused(Connection c) throws SQLException {
        try (Statement s = c.createStatement()) {
            s.executeUpdate(FILL_BATCH);
            return false;
        } catch (SQLException e) {
            if ("53100".equals(e.getSQLState())) {
                return true;
            }
            throw e;
        }
    }

    private static void joinAll(List<Thread> threads) throws InterruptedException {
        for (Thread thread : threads) {
            assertThat(thread.join(Duration.ofSeconds(30))).as("%s finished within 30 s", thread.getName()).isTrue();
        }
    }

    /** Runs a command; @return null when it succeeded, else its exit code and output */
    private static String run(String... command) throws IOException {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        process.getOutputStream().close();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        try {
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                return String.join(" ", command) + " did not finish within 30 s";
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
            return "interrupted while running " + String.join(" ", command);
        }
        return process.exitValue() == 0 ? null : "exit code " + process.exitValue() + ": " + output;
    }

    private static void deleteDirectories() throws IOException {
        Files.deleteIfExists(mountPoint);
        Files.deleteIfExists(parent);
    }

    private static long millis(long nanos) {
        return TimeUnit.NANOSECONDS.toMillis(nanos);
    }
}
