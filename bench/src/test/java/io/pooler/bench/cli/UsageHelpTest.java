package io.pooler.bench.cli;

import io.pooler.bench.BenchMain;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/**
 * Every subcommand's {@code --help} renders without picocli's warnings: a bare {@code %} in a description is a
 * format specifier to picocli, which then prints the text raw after a warning on standard error.
 */
class UsageHelpTest {
    @Test
    void everySubcommandsHelpRendersWithoutAWarning() {
        CommandLine root = new CommandLine(BenchMain.class);
        List<CommandLine> commands = new ArrayList<>();
        commands.add(root);
        commands.addAll(root.getSubcommands().values());

        PrintStream standardError = System.err;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        List<String> usages = new ArrayList<>();
        System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try {
            for (CommandLine command : commands) {
                usages.add(command.getUsageMessage());
            }
        } finally {
            System.setErr(standardError);
        }

        assertEquals("", captured.toString(StandardCharsets.UTF_8), "picocli's warnings while rendering the help");
        for (String usage : usages) {
            assertFalse(usage.contains("%n"), "a format left unreplaced in:\n" + usage);
        }
    }
}
