package io.pooler.server.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The command line, understood.
 *
 * @param configFile the pgbouncer.ini-style file, as given (relative paths stay relative to the working directory)
 * @param daemon     {@code -d}: detach, see {@link io.pooler.server.process.Daemonizer}
 * @param quiet      {@code -q}: no log lines on stderr
 * @param verbosity  how many times {@code -v} was given
 * @param user       {@code -u}: the user the pooler must already run as, see {@link io.pooler.server.process.UserCheck}
 */
public record StartOptions(Path configFile, boolean daemon, boolean quiet, int verbosity, Optional<String> user) {
    /**
     * The command line for the daemon child that {@code -d} starts: the same options without {@code -d},
     * and with {@code -q}, since a daemon's stderr is its logfile and each line would otherwise appear twice.
     */
    public List<String> daemonChildArguments() {
        List<String> args = new ArrayList<>();
        args.add("-q");
        for (int i = 0; i < verbosity; i++) {
            args.add("-v");
        }
        user.ifPresent(name -> {
            args.add("-u");
            args.add(name);
        });
        args.add("--");
        args.add(configFile.toString());
        return args;
    }
}
