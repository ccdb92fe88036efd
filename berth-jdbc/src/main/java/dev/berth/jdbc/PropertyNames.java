package dev.berth.jdbc;

import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.function.BiConsumer;

/**
 * Applies {@link Properties} with HikariCP's keys to a {@link BerthDataSource} through its setters, so both
 * paths check values the same way. Keys starting with {@code dataSource.} or {@code dataSourceProperties.}
 * become pgjdbc properties; {@code driverClassName=org.postgresql.Driver} is accepted and ignored.
 */
final class PropertyNames {

    static final String DRIVER = "org.postgresql.Driver";
    private static final String[] DRIVER_PREFIXES = {"dataSource.", "dataSourceProperties."};
    private static final Map<String, BiConsumer<BerthDataSource, String>> SETTERS = new TreeMap<>(Map.ofEntries(
            Map.entry("jdbcUrl", BerthDataSource::setJdbcUrl),
            Map.entry("username", BerthDataSource::setUsername),
            Map.entry("password", BerthDataSource::setPassword),
            Map.entry("maximumPoolSize", (ds, v) -> ds.setMaximumPoolSize(toInt("maximumPoolSize", v))),
            Map.entry("minimumIdle", (ds, v) -> ds.setMinimumIdle(toInt("minimumIdle", v))),
            Map.entry("connectionTimeout", (ds, v) -> ds.setConnectionTimeout(toLong("connectionTimeout", v))),
            Map.entry("idleTimeout", (ds, v) -> ds.setIdleTimeout(toLong("idleTimeout", v))),
            Map.entry("maxLifetime", (ds, v) -> ds.setMaxLifetime(toLong("maxLifetime", v))),
            Map.entry("keepaliveTime", (ds, v) -> ds.setKeepaliveTime(toLong("keepaliveTime", v))),
            Map.entry("validationTimeout", (ds, v) -> ds.setValidationTimeout(toLong("validationTimeout", v))),
            Map.entry("createTimeout", (ds, v) -> ds.setCreateTimeout(toLong("createTimeout", v))),
            Map.entry("leakDetectionThreshold", (ds, v) -> ds.setLeakDetectionThreshold(toLong("leakDetectionThreshold", v))),
            Map.entry("slowLeaseThreshold", (ds, v) -> ds.setSlowLeaseThreshold(toLong("slowLeaseThreshold", v))),
            Map.entry("callSites", (ds, v) -> ds.setCallSites(toBoolean("callSites", v))),
            Map.entry("registerMbeans", (ds, v) -> ds.setRegisterMbeans(toBoolean("registerMbeans", v))),
            Map.entry("overloadPolicy", BerthDataSource::setOverloadPolicy),
            Map.entry("poolName", BerthDataSource::setPoolName),
            Map.entry("autoCommit", (ds, v) -> ds.setAutoCommit(toBoolean("autoCommit", v))),
            Map.entry("readOnly", (ds, v) -> ds.setReadOnly(toBoolean("readOnly", v))),
            Map.entry("transactionIsolation", BerthDataSource::setTransactionIsolation),
            Map.entry("schema", BerthDataSource::setSchema),
            Map.entry("connectionInitSql", BerthDataSource::setConnectionInitSql),
            Map.entry("sessionReset", (ds, v) -> ds.setSessionReset(SessionReset.parse(v))),
            Map.entry("pgBouncerTransactionMode", (ds, v) -> ds.setPgBouncerTransactionMode(toBoolean("pgBouncerTransactionMode", v))),
            Map.entry("fatalErrorRuleClassName", BerthDataSource::setFatalErrorRuleClassName),
            Map.entry("credentialsProviderClassName", BerthDataSource::setCredentialsProviderClassName),
            Map.entry("driverClassName", BerthDataSource::setDriverClassName)));

    private PropertyNames() {
    }

    static void apply(Properties properties, BerthDataSource target) {
        for (String key : properties.stringPropertyNames()) {
            String value = properties.getProperty(key);
            String driverProperty = driverProperty(key);
            if (driverProperty != null) {
                target.addDataSourceProperty(driverProperty, value);
                continue;
            }
            BiConsumer<BerthDataSource, String> setter = SETTERS.get(key);
            if (setter == null) {
                throw new IllegalArgumentException("unknown BerthDataSource property \"" + key + "\"; known properties are "
                        + SETTERS.keySet() + ", and dataSource.<name> for pgjdbc properties");
            }
            setter.accept(target, value.strip());
        }
    }

    private static String driverProperty(String key) {
        for (String prefix : DRIVER_PREFIXES) {
            if (key.startsWith(prefix) && key.length() > prefix.length()) {
                return key.substring(prefix.length());
            }
        }
        return null;
    }

    private static int toInt(String setting, String value) {
        try {
            return Integer.parseInt(value);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(setting + " is \"" + value + "\" but must be a whole number", e);
        }
    }

    private static long toLong(String setting, String value) {
        try {
            return Long.parseLong(value);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(setting + " is \"" + value + "\" but must be a whole number of milliseconds", e);
        }
    }

    private static boolean toBoolean(String setting, String value) {
        return switch (value.toLowerCase(Locale.ROOT)) {
            case "true" -> true;
            case "false" -> false;
            default -> throw new IllegalArgumentException(setting + " is \"" + value + "\" but must be true or false");
        };
    }

    /** Loads and instantiates a {@link FatalErrorRule} by class name, with errors that say what to fix. */
    static FatalErrorRule newFatalErrorRule(String className) {
        return newInstance("fatalErrorRuleClassName", FatalErrorRule.class, className, ", or leave it unset for the standard rule");
    }

    /** Loads and instantiates a {@link CredentialsProvider} by class name, with errors that say what to fix. */
    static CredentialsProvider newCredentialsProvider(String className) {
        return newInstance("credentialsProviderClassName", CredentialsProvider.class, className,
                ", or leave it unset to use username and password");
    }

    private static <T> T newInstance(String setting, Class<T> kind, String className, String orElse) {
        if (className == null || className.isBlank()) {
            throw new IllegalArgumentException(setting + " is empty; name a class that implements " + kind.getName() + orElse);
        }
        String name = className.strip();
        ClassLoader loader = Thread.currentThread().getContextClassLoader();
        Class<?> type;
        try {
            type = Class.forName(name, true, loader != null ? loader : PropertyNames.class.getClassLoader());
        } catch (ClassNotFoundException | LinkageError e) {
            throw new IllegalArgumentException(setting + " is \"" + name + "\" but no such class can be loaded ("
                    + e + "); check the name and that its jar is on the class path", e);
        }
        if (!kind.isAssignableFrom(type)) {
            throw new IllegalArgumentException(setting + " is \"" + name + "\" but that class does not implement "
                    + kind.getName());
        }
        try {
            return kind.cast(type.getConstructor().newInstance());
        } catch (NoSuchMethodException e) {
            throw new IllegalArgumentException(setting + " is \"" + name
                    + "\" but that class has no public no-argument constructor; add one", e);
        } catch (ReflectiveOperationException | RuntimeException e) {
            Throwable cause = e instanceof java.lang.reflect.InvocationTargetException ite ? ite.getCause() : e;
            throw new IllegalArgumentException(setting + " is \"" + name + "\" but making one failed: " + cause
                    + "; the class must be public with a public no-argument constructor that succeeds", cause);
        }
    }

    static void checkDriver(String className) {
        if (!DRIVER.equals(className)) {
            throw new IllegalArgumentException("driverClassName is \"" + className
                    + "\" but BerthDataSource always uses org.postgresql.Driver; remove driverClassName");
        }
    }
}
