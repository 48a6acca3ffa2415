package io.pooler.bench;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

import java.util.Arrays;
import java.util.concurrent.Callable;

/**
 * Entry point of {@code pooler-bench.jar}: {@code demo [port]}, {@code compare}, {@code fleet}, {@code hold},
 * {@code load}, {@code hotspots}, and {@code jmh [JMH options]}.
 */
@Command(name = "pooler-bench", mixinStandardHelpOptions = true,
        subcommands = {BenchMain.DemoCommand.class, CompareCommand.class, FleetCommand.class, HoldCommand.class,
                LoadCommand.class,
                HotspotsCommand.class},
        description = "Pooler's demo and benchmarks. 'jmh [options]' runs the JMH microbenchmarks.")
public final class BenchMain {
    private BenchMain() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length == 0) {
            args = new String[] {"demo"};
        }
        if (args[0].equals("jmh")) {
            // JMH parses its own options; picocli would only get in the way.
            org.openjdk.jmh.Main.main(Arrays.copyOfRange(args, 1, args.length));
            return;
        }
        int exit = new CommandLine(BenchMain.class).execute(args);
        // demo returns once the server has stopped; the others return when done.
        System.exit(exit);
    }

    @Command(name = "demo", mixinStandardHelpOptions = true,
            description = "Runs Pooler on 127.0.0.1 in front of a throwaway PostgreSQL, until Ctrl-C.")
    static final class DemoCommand implements Callable<Integer> {
        @Parameters(index = "0", defaultValue = "6432", description = "Port Pooler listens on.")
        int port;

        @Override
        public Integer call() throws Exception {
            Demo.run(port);
            return 0;
        }
    }
}
