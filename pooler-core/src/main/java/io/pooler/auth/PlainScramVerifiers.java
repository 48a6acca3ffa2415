package io.pooler.auth;

import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * SCRAM verifiers of plain-text passwords (a userlist secret, or what auth_query returned), derived
 * once per (password, salt, iteration count) and kept, so that a login never runs PBKDF2.
 *
 * <p>NOTE: why a cache, and why it is filled ahead of logins. A user with a stored verifier, and an
 * unknown user (the mock exchange), cost no PBKDF2 at login. A plain-text password used to be derived on
 * every attempt, scram_iterations rounds of HMAC (about 2.5 ms at 4096), so the time of one failed
 * login told that the user existed. Doing the same PBKDF2 for the mock would only move the difference:
 * users with a verifier would then be the fast ones, and every unauthenticated probe would cost the
 * pooler 2.5 ms of CPU. Instead no path derives anything at login: {@link #warm} derives the verifier
 * of every plain-text user of a userlist when it is loaded (CurrentConfig, at start and on each reload,
 * before logins see it), and every SCRAM login, whatever its user, does the same per-attempt work: one
 * HMAC of the name for the salt, then the exchange's hashes. A password known only at login (auth_query)
 * cannot be derived ahead: its first login takes the one PBKDF2 run, and every later one does not.
 *
 * <p>Threads: shared by all event loops (and the thread that reloads). Lookups are brief and under one
 * lock; derivation runs outside it.
 */
public final class PlainScramVerifiers {
    /** Plenty for any userlist; beyond it the least recently used verifier is derived again when needed. */
    static final int MAX_ENTRIES = 10_000;
    /**
     * The process's verifiers. Process-wide, as the logins that use them are: a key holds the salt,
     * which is derived from the name and one runtime's process secret, so runtimes sharing a JVM (tests)
     * never see each other's entries.
     */
    private static final PlainScramVerifiers SHARED = new PlainScramVerifiers(MAX_ENTRIES);

    private final Map<Key, Optional<ScramSecret>> cache;

    private record Key(String password, String salt, int iterations) {
    }

    /** @param capacity how many verifiers to keep, least recently used dropped first */
    PlainScramVerifiers(int capacity) {
        this.cache = new LinkedHashMap<>(64, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<Key, Optional<ScramSecret>> eldest) {
                return size() > capacity;
            }
        };
    }

    public static PlainScramVerifiers shared() {
        return SHARED;
    }

    /**
     * The verifier of {@code password} with this salt and iteration count, derived on a miss; empty for a
     * password that SCRAM cannot use (empty, or nothing left after SASLprep).
     */
    public Optional<ScramSecret> verifier(String password, byte[] salt, int iterations) {
        Key key = new Key(password, Base64.getEncoder().encodeToString(salt), iterations);
        Optional<ScramSecret> known;
        synchronized (cache) {
            known = cache.get(key);
        }
        if (known != null) {
            return known;
        }
        Optional<ScramSecret> derived;
        try {
            derived = Optional.of(ScramSecret.fromPassword(password, salt, iterations));
        } catch (IllegalArgumentException unusable) {
            derived = Optional.empty();
        }
        synchronized (cache) {
            cache.put(key, derived);
        }
        return derived;
    }

    /**
     * Derives the verifier of every user of {@code userlist} whose secret is a plain-text password, with
     * the salt the SCRAM exchange gives that user ({@link ScramServerExchange#userSalt}). Takes about
     * 2.5 ms per such user at 4096 iterations, spread over the available processors.
     */
    public void warm(Userlist userlist, byte[] processSecret, int iterations) {
        userlist.users().parallelStream().forEach(user -> {
            if (userlist.find(user).orElse(null) instanceof PlainSecret plain) {
                verifier(plain.password(), ScramServerExchange.userSalt(user, processSecret), iterations);
            }
        });
    }

    /** Whether a login would find this verifier ready, with no PBKDF2 to run. */
    public boolean isDerived(String password, byte[] salt, int iterations) {
        synchronized (cache) {
            return cache.containsKey(new Key(password, Base64.getEncoder().encodeToString(salt), iterations));
        }
    }

    /** How many verifiers are kept. */
    int size() {
        synchronized (cache) {
            return cache.size();
        }
    }
}
