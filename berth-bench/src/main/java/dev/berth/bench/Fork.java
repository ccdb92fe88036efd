package dev.berth.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * One benchmark JVM: started with {@link BenchMain#JVM_ARGS} on this class path, its output passed through, its one
 * {@code RESULT key=value ...} line returned. Each measured contender runs in a fresh JVM of its own, so its call sites
 * stay monomorphic and no other contender's threads or garbage are left in it.
 */
final class Fork {
    private Fork() {
    }

    /** @return the command that runs {@code main} with {@code args} in a benchmark JVM */
    static List<String> command(Class<?> main, List<String> args) {
        List<String> command = new ArrayList<>();
        command.add(ProcessHandle.current().info().command().orElse("java"));
        command.addAll(BenchMain.JVM_ARGS);
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), main.getName()));
        command.addAll(args);
        return command;
    }

    /** Runs a fork to its end (at most 5 minutes) and returns the fields of its {@code RESULT} line. */
    static Map<String, String> run(List<String> command) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        String result = null;
        try (BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = out.readLine()) != null) {
                if (line.startsWith("RESULT ")) {
                    result = line;
                } else {
                    System.out.println(line);
                }
            }
        }
        if (!process.waitFor(5, TimeUnit.MINUTES) || process.exitValue() != 0 || result == null) {
            process.destroyForcibly();
            throw new IllegalStateException("benchmark fork failed (exit " + (process.isAlive() ? "none" : process.exitValue())
                    + "): " + String.join(" ", command.subList(command.indexOf("-cp") + 2, command.size())));
        }
        Map<String, String> fields = new LinkedHashMap<>();
        for (String field : result.substring("RESULT ".length()).split(" ")) {
            int eq = field.indexOf('=');
            fields.put(field.substring(0, eq), field.substring(eq + 1));
        }
        return fields;
    }
}
