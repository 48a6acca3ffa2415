package io.pooler.server;

import java.nio.file.Path;

/** Entry point of {@code pooler.jar}. */
public final class Main {
    private Main() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length == 0) {
            System.out.println(io.pooler.Version.STRING);
            return;
        }
        PoolerServer server = PoolerServer.start(Path.of(args[args.length - 1]));
        server.terminated().join();
    }
}
