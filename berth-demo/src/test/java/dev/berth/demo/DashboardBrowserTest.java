package dev.berth.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The live dashboard in a real headless Chromium against the running demo service: the page polls
 * {@code /api/pools}, draws a chart for every pool, follows the built-in load and shows the forensic report of a
 * provoked starvation.
 *
 * <p>Needs Chromium and its driver at {@code /usr/bin/chromium} and {@code /usr/bin/chromedriver} (Debian packages
 * {@code chromium} and {@code chromium-driver}); skipped without them. Both paths are given to Selenium explicitly,
 * so Selenium Manager never downloads anything. The demo itself needs what {@link DemoFixture} needs (PostgreSQL
 * and Redis, real or embedded). Saves a screenshot to the system property {@code berth.screenshot}, by default
 * {@code target/dashboard.png} ({@code target/dashboard-failure.png} when the test fails).
 */
@Tag("browser")
class DashboardBrowserTest {

    private static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    private static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
    private static final Duration PAGE_WAIT = Duration.ofSeconds(30);
    private static final Duration STARVE_WAIT = Duration.ofSeconds(60);
    /** A stack frame as {@code StackTraceElement.toString()} prints it: {@code a.b.C.m(C.java:12)}. */
    private static final Pattern CALL_SITE = Pattern.compile("[\\w$.]+\\([\\w$]+\\.java:\\d+\\)");

    @Test
    void dashboardChartsEveryPoolFollowsTheLoadAndExplainsAProvokedStarvation() throws Exception {
        assumeTrue(Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER), () -> "browser test skipped: "
                + (Files.isExecutable(CHROMIUM) ? "" : CHROMIUM + " is missing (Debian package chromium) ")
                + (Files.isExecutable(CHROMEDRIVER) ? "" : CHROMEDRIVER + " is missing (Debian package chromium-driver) ")
                + "- install them with: apt-get install chromium chromium-driver");

        // A fresh profile under target/, not a @TempDir: Chromium may still write to it while it exits, and a failed
        // temp-dir cleanup would fail the test.
        Path profile = Files.createTempDirectory(Files.createDirectories(Path.of("target")), "dashboard-chromium-");
        var demo = DemoFixture.start();
        try {
            WebDriver browser = chromium(profile);
            try {
                exercise(browser, String.valueOf(demo.uri()));
                screenshot(browser, Path.of(System.getProperty("berth.screenshot", "target/dashboard.png")));
            } catch (Throwable failure) {
                try {
                    screenshot(browser, Path.of("target", "dashboard-failure.png"));
                } catch (RuntimeException | IOException screenshotFailure) {
                    failure.addSuppressed(screenshotFailure);
                }
                throw failure;
            } finally {
                browser.quit();
            }
        } finally {
            demo.close();
        }
    }

    private static void exercise(WebDriver browser, String demoUri) {
        browser.get(demoUri.endsWith("/") ? demoUri : demoUri + "/");
        WebDriverWait page = new WebDriverWait(browser, PAGE_WAIT);

        page.withMessage(() -> "the dashboard received no /api/pools answer; its status line says: " + status(browser))
                .until(b -> number(b, "return window.berthDashboard ? berthDashboard.polls() : 0") >= 1);
        for (String pool : List.of("primary", "redis")) {
            page.withMessage(() -> "no chart for pool '" + pool + "'; the page shows pools " + script(browser,
                            "return berthDashboard.pools()") + ", status: " + status(browser))
                    .until(b -> !b.findElements(By.cssSelector("[data-pool='" + pool + "'] .chart canvas")).isEmpty());
        }

        long polls = number(browser, "return berthDashboard.polls()");
        long samples = number(browser, "return berthDashboard.samples('primary')");
        browser.findElement(By.id("start-load")).click();

        page.withMessage(() -> "the load never reported progress; the page says: "
                        + browser.findElement(By.id("load-status")).getText())
                .until(b -> Boolean.TRUE.equals(script(b,
                        "const load = berthDashboard.load(); return load !== null && load.total > 0 && load.sent > 0")));
        page.withMessage(() -> "the primary chart stopped growing at " + number(browser,
                        "return berthDashboard.samples('primary')") + " points (it had " + samples + "); status: "
                        + status(browser))
                .until(b -> number(b, "return berthDashboard.polls()") >= polls + 3
                        && number(b, "return berthDashboard.samples('primary')") >= samples + 3);
        page.withMessage(() -> "pool 'primary' never showed a lease, a hold or a wait: "
                        + script(browser, "return JSON.stringify(berthDashboard.pool('primary'))"))
                .until(b -> Boolean.TRUE.equals(script(b, """
                        const p = berthDashboard.pool('primary');
                        return berthDashboard.peak('primary', 'leased') > 0 || p?.hold?.max > 0 || p?.wait?.max > 0;""")));

        browser.findElement(By.id("starve")).click();
        new WebDriverWait(browser, STARVE_WAIT)
                .withMessage(() -> "no starvation report; the page shows: " + report(browser))
                .until(b -> List.of("done", "error").contains(
                        b.findElement(By.id("starve-report")).getDomAttribute("data-state")));
        String report = report(browser);
        assertThat(browser.findElement(By.id("starve-report")).getDomAttribute("data-state"))
                .as("state of the starvation report %s", report).isEqualTo("done");
        assertThat(report).as("the starvation report names the pool").contains("primary");
        assertThat(CALL_SITE.matcher(report).find()).as("the starvation report names a call site: %s", report).isTrue();

        assertThat((List<?>) script(browser, "return berthDashboard.scriptErrors()"))
                .as("JavaScript errors on the page").isEmpty();
    }

    private static WebDriver chromium(Path profile) {
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM.toFile());
        options.addArguments("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--disable-dev-shm-usage", "--window-size=1440,1000", "--user-data-dir=" + profile.toAbsolutePath());
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(new File(CHROMEDRIVER.toString()))
                .usingAnyFreePort()
                .build();
        return new ChromeDriver(service, options);
    }

    /** Saves the whole page: the window is first made as tall as the document (headless Chrome shoots the window). */
    private static void screenshot(WebDriver browser, Path file) throws IOException {
        long height = number(browser, "return Math.ceil(document.documentElement.scrollHeight)");
        browser.manage().window().setSize(new Dimension(1440, Math.clamp(height + 140, 800, 6000)));
        byte[] png = ((TakesScreenshot) browser).getScreenshotAs(OutputType.BYTES);
        Path parent = file.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        Files.write(file, png);
    }

    private static Object script(WebDriver browser, String script) {
        return ((JavascriptExecutor) browser).executeScript(script);
    }

    private static long number(WebDriver browser, String script) {
        return script(browser, script) instanceof Number n ? n.longValue() : -1;
    }

    private static String status(WebDriver browser) {
        return browser.findElement(By.id("status")).getText();
    }

    private static String report(WebDriver browser) {
        return browser.findElement(By.id("starve-report")).getText();
    }
}
