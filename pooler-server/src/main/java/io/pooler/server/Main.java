package io.pooler.server;

import io.pooler.server.cli.PoolerCli;

/** Entry point of {@code pooler.jar}: {@code java -jar pooler.jar [options] CONFIG.ini}. */
public final class Main {
    private Main() {
    }

    public static void main(String[] args) {
        System.exit(PoolerCli.run(args, new ServerLauncher()));
    }
}
