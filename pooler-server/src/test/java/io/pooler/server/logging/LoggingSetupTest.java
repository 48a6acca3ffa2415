package io.pooler.server.logging;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.util.ContextInitializer;
import ch.qos.logback.classic.util.LogbackMDCAdapter;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Changes the test JVM's logback configuration, and gives back the class path's one at the end. */
class LoggingSetupTest {
    private static final Logger log = LoggerFactory.getLogger("io.pooler.test");
    private static final Logger netty = LoggerFactory.getLogger("io.netty.channel.Test");

    @TempDir
    Path temp;

    private final ByteArrayOutputStream stderr = new ByteArrayOutputStream();
    private PrintStream realStderr;

    @BeforeEach
    void captureStderr() {
        realStderr = System.err;
        System.setErr(new PrintStream(stderr, true, StandardCharsets.UTF_8));
    }

    @AfterEach
    void restore() throws IOException {
        System.setErr(realStderr);
        LoggingSetup.configure(Optional.empty(), false, 0);
    }

    @AfterAll
    static void restoreClassPathConfiguration() throws Exception {
        LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
        context.reset();
        new ContextInitializer(context).autoConfig();
    }

    @Test
    void stderrAndLogfileGetTheSameLines() throws IOException {
        Path logfile = temp.resolve("pooler.log");
        LoggingSetup.configure(Optional.of(logfile), false, 0);
        log.info("process up");
        assertTrue(stderrText().matches("\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d\\.\\d{3} \\S+ \\[\\d+] LOG process up\n"), stderrText());
        assertEquals(stderrText(), Files.readString(logfile));
    }

    @Test
    void quietKeepsStderrEmptyButStillWritesTheLogfile() throws IOException {
        Path logfile = temp.resolve("pooler.log");
        LoggingSetup.configure(Optional.of(logfile), true, 0);
        log.warn("server login failed");
        assertEquals("", stderrText());
        assertTrue(Files.readString(logfile).endsWith(" WARNING server login failed\n"));
    }

    @Test
    void verbosityAddsDebugThenNoiseAndNetty() throws IOException {
        LoggingSetup.configure(Optional.empty(), false, 0);
        assertEquals(List.of(true, false, false, false), levels());

        LoggingSetup.configure(Optional.empty(), false, 1);
        assertEquals(List.of(true, true, false, false), levels());

        LoggingSetup.configure(Optional.empty(), false, 2);
        assertEquals(List.of(true, true, true, true), levels());

        LoggingSetup.configure(Optional.empty(), false, 0);
        assertFalse(netty.isInfoEnabled(), "Netty stays at WARN");
        assertTrue(netty.isWarnEnabled());
    }

    @Test
    void reopenStartsANewFileAfterLogrotateMovedTheOldOne() throws IOException {
        Path logfile = temp.resolve("pooler.log");
        Path rotated = temp.resolve("pooler.log.1");
        LoggingSetup.configure(Optional.of(logfile), true, 0);
        log.info("before rotation");
        Files.move(logfile, rotated);

        log.info("after the move, before reopen");
        LoggingSetup.reopen();
        log.info("after reopen");

        String old = Files.readString(rotated);
        assertTrue(old.contains("LOG before rotation\n") && old.contains("LOG after the move, before reopen\n"), old);
        String current = Files.readString(logfile);
        assertTrue(current.endsWith(" LOG after reopen\n") && current.lines().count() == 1, current);
    }

    @Test
    void unopenableLogfileFailsAndKeepsThePreviousConfiguration() throws IOException {
        Path logfile = temp.resolve("pooler.log");
        LoggingSetup.configure(Optional.of(logfile), true, 0);
        Path nowhere = temp.resolve("missing-dir").resolve("pooler.log");

        IOException failed = assertThrows(IOException.class, () -> LoggingSetup.configure(Optional.of(nowhere), false, 2));
        assertTrue(failed.getMessage().startsWith("Cannot open logfile: '" + nowhere + "'"), failed.getMessage());

        log.info("still logging");
        assertTrue(Files.readString(logfile).endsWith(" LOG still logging\n"));
        assertFalse(log.isDebugEnabled());
    }

    @Test
    void defaultsBeforeConfigureUseTheSameFormat() {
        LoggerContext context = new LoggerContext();
        context.setMDCAdapter(new LogbackMDCAdapter()); // what SLF4J's provider does for the real context
        LoggingSetup.applyDefaults(context);
        context.getLogger("x").info("hello");
        context.getLogger("x").debug("not shown");
        assertTrue(stderrText().endsWith("] LOG hello\n"), stderrText());
        assertEquals(Level.WARN, context.getLogger(LoggingSetup.NETTY_LOGGER).getLevel());
    }

    @Test
    void defaultConfiguratorStepsAsideForAnXmlConfiguration() throws IOException {
        Path classes = Files.createDirectory(temp.resolve("classes"));
        try (URLClassLoader bare = new URLClassLoader(new URL[] {classes.toUri().toURL()}, null)) {
            assertFalse(DefaultLogbackConfigurator.configuredElsewhere(bare));
        }
        Files.writeString(classes.resolve("logback.xml"), "<configuration/>");
        try (URLClassLoader withXml = new URLClassLoader(new URL[] {classes.toUri().toURL()}, null)) {
            assertTrue(DefaultLogbackConfigurator.configuredElsewhere(withXml));
        }
    }

    private static List<Boolean> levels() {
        return List.of(log.isInfoEnabled(), log.isDebugEnabled(), log.isTraceEnabled(), netty.isDebugEnabled());
    }

    private String stderrText() {
        return stderr.toString(StandardCharsets.UTF_8);
    }
}
