package io.pooler.config;

import java.nio.file.Path;

/** Where a configuration line came from; prints as {@code file:line} like PgBouncer's log messages. */
record SourceLine(Path file, int line) {

    @Override
    public String toString() {
        return file + ":" + line;
    }
}
