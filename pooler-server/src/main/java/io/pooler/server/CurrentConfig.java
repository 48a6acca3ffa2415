package io.pooler.server;

import io.pooler.auth.PlainScramVerifiers;

import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;

/**
 * The config snapshot in force: read by every connection ({@link #get}, through a
 * {@code Supplier<RuntimeConfig>}), replaced by RELOAD, SET and TLS changes ({@link #swap}).
 *
 * <p>Threads: any; the snapshot is immutable and replaced atomically.
 */
public final class CurrentConfig implements Supplier<RuntimeConfig> {
    private final AtomicReference<RuntimeConfig> current;
    private final ProcessSecret processSecret;

    public CurrentConfig(RuntimeConfig initial, ProcessSecret processSecret) {
        this.processSecret = processSecret;
        warmScramVerifiers(initial);
        this.current = new AtomicReference<>(initial);
    }

    @Override
    public RuntimeConfig get() {
        return current.get();
    }

    /** Puts {@code next} in force for every new login and server connection from now on. */
    public void swap(RuntimeConfig next) {
        warmScramVerifiers(next);
        current.set(next);
    }

    /**
     * Derives the SCRAM verifiers of the userlist's plain-text passwords before any login can use the
     * config, so that no login runs PBKDF2 (see {@link PlainScramVerifiers}). Already derived ones are
     * kept, so a reload costs only for new or changed passwords.
     */
    private void warmScramVerifiers(RuntimeConfig rc) {
        if (rc.userlist() != null) {
            PlainScramVerifiers.shared().warm(rc.userlist(), processSecret.bytes(), rc.config().settings().scramIterations());
        }
    }
}
