package io.pooler.server.process;

import io.pooler.server.logging.LoggingSetup;
import java.util.Optional;

/**
 * A JVM that installs {@link SignalDispatcher} and prints each {@link Lifecycle} call, for
 * {@link SignalDispatcherProcessTest} to send signals to. It exits by itself after a minute, so a test
 * that fails to stop it leaves nothing behind for long.
 */
public final class SignalProbeMain {
    private SignalProbeMain() {
    }

    public static void main(String[] args) throws Exception {
        // As the server does once it knows its logfile; also overrides any logback-test.xml on the class path.
        LoggingSetup.configure(Optional.empty(), false, 0);
        SignalDispatcher dispatcher = SignalDispatcher.install(new Lifecycle() {
            @Override
            public void reload() {
                System.out.println("lifecycle reload");
            }

            @Override
            public void shutdownWaitForServers() {
                System.out.println("lifecycle shutdownWaitForServers");
            }

            @Override
            public void shutdownWaitForClients() {
                System.out.println("lifecycle shutdownWaitForClients");
            }

            @Override
            public void shutdownImmediate() {
                System.out.println("lifecycle shutdownImmediate");
            }

            @Override
            public void pause() {
                System.out.println("lifecycle pause");
            }

            @Override
            public void resume() {
                System.out.println("lifecycle resume");
            }
        });
        System.out.println("handled " + dispatcher.handledSignals());
        System.out.println("ready " + ProcessHandle.current().pid());
        Thread.sleep(60_000); // a child process that idles until the test signals or kills it
    }
}
