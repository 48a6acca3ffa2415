package io.pooler.server.cli;

/** Starts the pooler once the command line is understood; the server bootstrap implements it. */
public interface Launcher {
    /**
     * Runs the pooler until it stops.
     *
     * @return the process exit status
     * @throws Exception a failure to start; {@link io.pooler.server.process.StartupException} is logged as
     *                   one FATAL line, anything else as FATAL with its stack trace; the exit status is then 1
     */
    int start(StartOptions options) throws Exception;
}
