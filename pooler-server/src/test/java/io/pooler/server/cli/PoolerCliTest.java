package io.pooler.server.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.pooler.Version;
import io.pooler.server.logging.LoggingSetup;
import io.pooler.server.process.StartupException;
import io.pooler.server.process.UserCheck;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

class PoolerCliTest {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();
    private StartOptions launched;

    private int run(String... args) {
        return run(options -> 0, args);
    }

    private int run(Launcher then, String... args) {
        Launcher recording = options -> {
            launched = options;
            return then.start(options);
        };
        return PoolerCli.run(args, recording, stream(out), stream(err));
    }

    @Test
    void plainConfigFileStartsInTheForeground() {
        assertEquals(0, run("pgbouncer.ini"));
        assertEquals(new StartOptions(Path.of("pgbouncer.ini"), false, false, 0, Optional.empty()), launched);
        assertEquals("", text(err));
    }

    @Test
    void eachFlagAsPgBouncerSpellsIt() {
        String me = UserCheck.currentUser();
        assertEquals(0, run("-d", "-q", "-u", me, "-v", "p.ini"));
        assertEquals(new StartOptions(Path.of("p.ini"), true, true, 1, Optional.of(me)), launched);

        assertEquals(0, run("--daemon", "--quiet", "--user=" + me, "--verbose", "--verbose", "p.ini"));
        assertEquals(new StartOptions(Path.of("p.ini"), true, true, 2, Optional.of(me)), launched);
    }

    @Test
    void clusteredVerboseFlagsCount() {
        assertEquals(0, run("-vvv", "p.ini"));
        assertEquals(3, launched.verbosity());
        assertEquals(0, run("-dqvv", "p.ini"));
        assertEquals(new StartOptions(Path.of("p.ini"), true, true, 2, Optional.empty()), launched);
    }

    @Test
    void optionsMayFollowTheConfigFileAsWithGetoptLong() {
        assertEquals(0, run("p.ini", "-d"));
        assertTrue(launched.daemon());
    }

    @Test
    void missingConfigFileIsAUsageErrorWithStatusOne() {
        assertEquals(1, run("-d"));
        assertNull(launched);
        assertEquals(List.of("pooler: no configuration file specified", "Try \"pooler --help\" for more information."),
                text(err).lines().toList());
        assertEquals("", text(out));
    }

    @Test
    void unknownOptionsAndExtraArgumentsAreUsageErrors() {
        assertEquals(1, run("--bogus", "p.ini"));
        assertEquals(1, run("a.ini", "b.ini"));
        assertNull(launched);
        assertTrue(text(err).contains("pooler: Unknown option: '--bogus'"), text(err));
        assertTrue(text(err).contains("Try \"pooler --help\" for more information."), text(err));
    }

    @Test
    void versionFirstLineIsTheVersionString() {
        assertEquals(0, run("--version"));
        List<String> lines = text(out).lines().toList();
        assertEquals(Version.STRING, lines.get(0));
        assertTrue(lines.get(1).startsWith("java " + Runtime.version()), lines.toString());
        assertNull(launched);

        out.reset();
        assertEquals(0, run("-V"));
        assertEquals(Version.STRING, text(out).lines().findFirst().orElseThrow());
    }

    @Test
    void helpPrintsUsageToStdoutAndExitsZero() {
        assertEquals(0, run("-h"));
        String help = text(out);
        assertTrue(help.contains("pooler [OPTION]... CONFIG_FILE"), help);
        for (String option : List.of("--daemon", "--quiet", "--reboot", "--user=USERNAME", "--verbose", "--version", "--help")) {
            assertTrue(help.contains(option), option + " in\n" + help);
        }
        assertTrue(help.contains("The JVM cannot switch users"), help);
        assertNull(launched);
    }

    @Test
    void rebootIsRefused() {
        assertEquals(1, run("-R", "p.ini"));
        assertNull(launched);
        assertTrue(text(err).startsWith("pooler: online restart (-R, --reboot) is not supported"), text(err));
        assertEquals(1, run("--reboot", "p.ini"));
    }

    @Test
    void anotherUserIsRefusedBeforeLaunching() {
        assertEquals(1, run("-u", "pooler-test-nobody", "p.ini"));
        assertNull(launched);
        assertTrue(text(err).startsWith("pooler: cannot switch to user 'pooler-test-nobody'"), text(err));
    }

    @Test
    void atSignIsAFileNameNotAnArgumentFile() {
        assertEquals(0, run("@pgbouncer.ini"));
        assertEquals(Path.of("@pgbouncer.ini"), launched.configFile());
    }

    @Test
    void launcherStatusIsTheExitStatus() {
        assertEquals(7, run(options -> 7, "p.ini"));
    }

    @Test
    void launcherFailureIsOneFatalLineAndStatusOne() {
        Logger logger = (Logger) LoggerFactory.getLogger(PoolerCli.class);
        ListAppender<ILoggingEvent> events = new ListAppender<>();
        events.start();
        logger.addAppender(events);
        logger.setAdditive(false); // keeps the expected stack trace out of the build output
        try {
            assertEquals(1, run(options -> {
                throw new StartupException("daemon needs pidfile configured");
            }, "p.ini"));
            ILoggingEvent fatal = events.list.get(0);
            assertEquals("daemon needs pidfile configured", fatal.getFormattedMessage());
            assertTrue(fatal.getMarkerList().contains(LoggingSetup.FATAL));
            assertNull(fatal.getThrowableProxy(), "an operator's error needs no stack trace");

            assertEquals(1, run(options -> {
                throw new IllegalStateException("bug");
            }, "p.ini"));
            assertEquals("bug", events.list.get(1).getThrowableProxy().getMessage());
        } finally {
            logger.setAdditive(true);
            logger.detachAppender(events);
        }
    }

    @Test
    void daemonChildGetsTheSameOptionsWithoutDetachingAndQuiet() {
        String me = UserCheck.currentUser();
        StartOptions options = new StartOptions(Path.of("-odd.ini"), true, false, 2, Optional.of(me));
        assertEquals(List.of("-q", "-v", "-v", "-u", me, "--", "-odd.ini"), options.daemonChildArguments());
        assertEquals(0, run(options.daemonChildArguments().toArray(String[]::new)));
        assertEquals(new StartOptions(Path.of("-odd.ini"), false, true, 2, Optional.of(me)), launched);
    }

    private static PrintStream stream(ByteArrayOutputStream bytes) {
        return new PrintStream(bytes, true, StandardCharsets.UTF_8);
    }

    private static String text(ByteArrayOutputStream bytes) {
        return bytes.toString(StandardCharsets.UTF_8);
    }
}
