package io.pooler.config;

import java.nio.file.Path;

/**
 * A configuration file that cannot be loaded. The message starts with {@code file:line:} and names the key
 * involved, e.g. {@code /etc/pooler/pooler.ini:14: invalid value "abc" for key "default_pool_size": not an integer}.
 * Line 0 means the problem concerns the whole file (it cannot be read, or a required section is missing).
 */
public final class ConfigException extends Exception {

    private final transient Path file;
    private final int line;

    public ConfigException(Path file, int line, String problem) {
        super((line > 0 ? file + ":" + line : file.toString()) + ": " + problem);
        this.file = file;
        this.line = line;
    }

    ConfigException(SourceLine at, String problem) {
        this(at.file(), at.line(), problem);
    }

    public Path file() {
        return file;
    }

    public int line() {
        return line;
    }
}
