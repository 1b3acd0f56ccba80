package dev.graphrisk.neo4jlocal;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.neo4j.cli.AdminTool;
import org.neo4j.cli.ExecutionContext;
import org.neo4j.configuration.GraphDatabaseInternalSettings;
import org.neo4j.configuration.GraphDatabaseSettings;
import org.neo4j.configuration.connectors.BoltConnector;
import org.neo4j.configuration.connectors.HttpConnector;
import org.neo4j.configuration.connectors.HttpsConnector;
import org.neo4j.configuration.helpers.SocketAddress;
import org.neo4j.dbms.api.DatabaseManagementService;
import org.neo4j.dbms.api.DatabaseManagementServiceBuilder;
import org.neo4j.graphdb.GraphDatabaseService;
import org.neo4j.io.ByteUnit;
import org.neo4j.io.fs.DefaultFileSystemAbstraction;

/**
 * Runs an embedded Neo4j Community 5.26 with a Bolt connector on 127.0.0.1, for tests and
 * development.
 *
 * <p>Usage: {@code Neo4jLocal --home DIR --port N [--control DIR]}. When database "neo4j" is
 * available it prints exactly one line {@code NEO4J-LOCAL READY bolt://127.0.0.1:PORT} on stdout and
 * then blocks until the JVM is asked to stop (SIGTERM/SIGINT), at which point a shutdown hook shuts
 * the DBMS down cleanly.
 *
 * <p>With {@code --control DIR} it also runs Neo4j's bulk importer in this JVM on request: when the
 * file {@code DIR/import.request} appears (the importer's arguments, NUL-separated), it shuts the
 * DBMS down, runs {@code neo4j-admin database import full ARGS} ({@link AdminTool}, output in
 * {@code DIR/import.output}), starts the DBMS again on the same port and writes the importer's exit
 * status into {@code DIR/import.status}. One JVM instead of three (server, importer, server) saves
 * two JVM starts and keeps the server's code warm for the first queries after the import.
 *
 * <p>Authentication is disabled on purpose: the instance is a throwaway store bound to the loopback
 * interface only, so only processes on this machine can reach it. Never bind it elsewhere.
 */
public final class Neo4jLocal {

    private static final String HOST = "127.0.0.1";
    private static final String DATABASE = "neo4j";
    private static final Duration AVAILABLE_TIMEOUT = Duration.ofMinutes(5);
    private static final long CONTROL_POLL_MS = 100;

    /** Set once the DBMS is built, so the error path can still shut it down. */
    private static volatile DatabaseManagementService dbms;

    private Neo4jLocal() {}

    public static void main(String[] args) {
        try {
            run(args);
        } catch (Throwable t) {
            System.err.println("neo4j-local: error: " + describe(t));
            System.err.flush();
            if (dbms != null) {
                try {
                    dbms.shutdown();
                } catch (Throwable ignored) {
                    // already reporting the first error
                }
            }
            // halt, not exit: a half-started DBMS may hold non-daemon threads.
            Runtime.getRuntime().halt(1);
        }
    }

    private static void run(String[] args) throws Exception {
        Path home = null;
        Path control = null;
        int port = -1;
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            if (i + 1 >= args.length) {
                throw new IllegalArgumentException("missing value for " + arg + usage());
            }
            switch (arg) {
                case "--home" -> home = Path.of(args[++i]).toAbsolutePath();
                case "--port" -> port = parsePort(args[++i]);
                case "--control" -> control = Path.of(args[++i]).toAbsolutePath();
                default -> throw new IllegalArgumentException("unknown argument " + arg + usage());
            }
        }
        if (home == null || port < 0) {
            throw new IllegalArgumentException("--home and --port are required" + usage());
        }
        Files.createDirectories(home);

        dbms = start(home, port);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                dbms.shutdown();
            } catch (RuntimeException e) {
                // already shut down for an import: nothing left to close
                System.err.println("neo4j-local: shutdown: " + describe(e));
            } finally {
                stopped.countDown();
            }
        }, "neo4j-local-shutdown"));

        awaitAvailable(port);

        // Block until the shutdown hook has run, serving import requests meanwhile.
        long pollMs = control == null ? TimeUnit.HOURS.toMillis(1) : CONTROL_POLL_MS;
        while (!stopped.await(pollMs, TimeUnit.MILLISECONDS)) {
            if (control != null && Files.exists(control.resolve("import.request"))) {
                serveImport(home, port, control);
            }
        }
    }

    private static void awaitAvailable(int port) {
        GraphDatabaseService db = dbms.database(DATABASE);
        if (!db.isAvailable(AVAILABLE_TIMEOUT.toMillis())) {
            throw new IllegalStateException("database '" + DATABASE + "' not available after "
                    + AVAILABLE_TIMEOUT.toSeconds() + " s");
        }
        System.out.println("NEO4J-LOCAL READY bolt://" + HOST + ":" + port);
        System.out.flush();
    }

    /**
     * Shut the DBMS down, run the importer on {@code home} with the requested arguments, start the
     * DBMS again and write the importer's exit status. The DBMS is started again whatever the
     * importer did; if it does not come back, {@link #main} reports the error and the JVM exits.
     */
    private static void serveImport(Path home, int port, Path control) throws IOException {
        Path request = control.resolve("import.request");
        List<String> arguments = new ArrayList<>(List.of("database", "import", "full"));
        for (String argument : Files.readString(request, StandardCharsets.UTF_8).split("\0")) {
            if (!argument.isEmpty()) {
                arguments.add(argument);
            }
        }
        Files.delete(request);
        System.out.println("NEO4J-LOCAL IMPORT " + String.join(" ", arguments.subList(3, arguments.size())));
        System.out.flush();
        dbms.shutdown();
        int status;
        Path conf = home.resolve("conf");
        Files.createDirectories(conf);
        try (PrintStream output = new PrintStream(
                        Files.newOutputStream(control.resolve("import.output")), true, StandardCharsets.UTF_8);
                DefaultFileSystemAbstraction fs = new DefaultFileSystemAbstraction()) {
            try {
                status = AdminTool.execute(new ExecutionContext(home, conf, output, output, fs),
                        arguments.toArray(String[]::new));
            } catch (RuntimeException e) {
                output.println("neo4j-local: the importer failed: " + describe(e));
                status = 1;
            }
        }
        dbms = start(home, port);
        awaitAvailable(port);
        Path written = control.resolve("import.status.tmp");
        Files.writeString(written, status + "\n", StandardCharsets.UTF_8);
        Files.move(written, control.resolve("import.status"), StandardCopyOption.ATOMIC_MOVE,
                StandardCopyOption.REPLACE_EXISTING);
    }

    private static DatabaseManagementService start(Path home, int port) {
        SocketAddress bolt = new SocketAddress(HOST, port);
        return new DatabaseManagementServiceBuilder(home)
                // Bolt on loopback only. HTTP/HTTPS are already off when embedded; say so explicitly.
                .setConfig(BoltConnector.enabled, true)
                .setConfig(BoltConnector.listen_address, bolt)
                .setConfig(BoltConnector.advertised_address, bolt)
                .setConfig(HttpConnector.enabled, false)
                .setConfig(HttpsConnector.enabled, false)
                .setConfig(GraphDatabaseSettings.default_listen_address, new SocketAddress(HOST))
                .setConfig(GraphDatabaseSettings.default_advertised_address, new SocketAddress(HOST))
                // Loopback-only throwaway instance: no credentials needed (see class Javadoc).
                .setConfig(GraphDatabaseSettings.auth_enabled, false)
                // Small, fixed page cache instead of one sized from the machine's RAM;
                // -Dneo4jlocal.pagecacheMb=N (via NEO4J_LOCAL_JAVA_OPTS) raises it for benchmarks.
                .setConfig(GraphDatabaseSettings.pagecache_memory,
                        ByteUnit.mebiBytes(Long.getLong("neo4jlocal.pagecacheMb", 128L)))
                // Throwaway store: keep no old tx logs and do not preallocate files.
                .setConfig(GraphDatabaseSettings.keep_logical_logs, "keep_none")
                .setConfig(GraphDatabaseSettings.preallocate_logical_logs, false)
                .setConfig(GraphDatabaseSettings.preallocate_store_files, false)
                // No phoning home.
                .setConfig(GraphDatabaseSettings.udc_enabled, false)
                // Internal setting (exists in 5.26): Bolt's two Netty event-loop groups each wait
                // a 5 s quiet period on shutdown; 0 makes SIGTERM -> exit ~10 s faster.
                .setConfig(GraphDatabaseInternalSettings.netty_server_shutdown_quiet_period, 0)
                .build();
    }

    private static int parsePort(String value) {
        try {
            int port = Integer.parseInt(value);
            if (port >= 1 && port <= 65535) {
                return port;
            }
        } catch (NumberFormatException ignored) {
            // fall through
        }
        throw new IllegalArgumentException("invalid --port " + value);
    }

    private static String usage() {
        return " (usage: Neo4jLocal --home DIR --port N [--control DIR])";
    }

    /** One line: the exception chain's messages, outermost first. */
    private static String describe(Throwable t) {
        StringBuilder sb = new StringBuilder();
        for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
            if (sb.length() > 0) {
                sb.append(" <- ");
            }
            String msg = c.getMessage();
            sb.append(c.getClass().getSimpleName()).append(msg == null ? "" : ": " + msg.replace('\n', ' '));
        }
        return sb.toString();
    }
}
