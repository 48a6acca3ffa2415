package io.pooler.bench;

/** Entry point of {@code pooler-bench.jar}: {@code demo [port]}. */
public final class BenchMain {
    private BenchMain() {
    }

    public static void main(String[] args) throws Exception {
        String command = args.length == 0 ? "demo" : args[0];
        switch (command) {
            case "demo" -> Demo.run(args.length > 1 ? Integer.parseInt(args[1]) : 6432);
            default -> {
                System.err.println("usage: java -jar bench/target/pooler-bench.jar demo [port]");
                System.exit(1);
            }
        }
    }
}
