package io.pooler.bench.load;

import com.ongres.scram.common.ScramFunctions;
import com.ongres.scram.common.ScramMechanism;
import com.ongres.scram.common.StringPreparation;
import io.pooler.auth.ScramClientExchange;

import java.util.Base64;

/**
 * A role's password, and the SCRAM-SHA-256 ClientKey and ServerKey derived from it once the salt and
 * iteration count are known.
 *
 * <p>Deriving the keys costs 4096 rounds of PBKDF2 (a few milliseconds); a client that did so on each
 * of 10,000 logins would spend tens of CPU seconds of the machine under test on itself, which libpq
 * does but which says nothing about the pooler. So the first login runs PBKDF2 and remembers the keys;
 * later logins cost a few HMACs, on the client as on the pooler. Every target of a comparison holds
 * the same verifier, so they all send the same salt.
 *
 * <p>Shared by all clients, on any thread.
 */
public final class Credentials {
    private static final ScramMechanism MECHANISM = ScramMechanism.SCRAM_SHA_256;

    private final String user;
    private final String password;
    private volatile Keys keys;

    private record Keys(String salt, int iterations, byte[] clientKey, byte[] serverKey) {
    }

    public Credentials(String user, String password) {
        this.user = user;
        this.password = password;
    }

    public String user() {
        return user;
    }

    /** A fresh exchange for one login: with the remembered keys when there are some. */
    public ScramClientExchange newExchange() {
        Keys known = keys;
        return known == null ? ScramClientExchange.withPassword(user, password)
                : ScramClientExchange.withKeys(known.clientKey, known.serverKey);
    }

    /**
     * Reads the salt and iteration count from a server-first-message and remembers the keys for them,
     * unless the remembered ones are for the same salt already.
     */
    public synchronized void learn(String serverFirstMessage) {
        String salt = null;
        int iterations = 0;
        for (String attribute : serverFirstMessage.split(",")) {
            if (attribute.startsWith("s=")) {
                salt = attribute.substring(2);
            } else if (attribute.startsWith("i=")) {
                iterations = Integer.parseInt(attribute.substring(2));
            }
        }
        Keys known = keys;
        if (salt == null || iterations < 1 || (known != null && known.salt.equals(salt) && known.iterations == iterations)) {
            return;
        }
        byte[] salted = ScramFunctions.saltedPassword(MECHANISM, StringPreparation.POSTGRESQL_PREPARATION,
                password.toCharArray(), Base64.getDecoder().decode(salt), iterations);
        keys = new Keys(salt, iterations, ScramFunctions.clientKey(MECHANISM, salted),
                ScramFunctions.serverKey(MECHANISM, salted));
    }

    /** Forgets the keys, after a login with them failed: the next login runs PBKDF2 and learns again. */
    public void forget() {
        keys = null;
    }
}
