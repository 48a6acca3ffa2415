package io.pooler.server;

import java.security.SecureRandom;

/**
 * Random bytes drawn once per process: they salt the mock SCRAM exchange of unknown users and the SCRAM
 * verifiers derived from plain-text passwords, so neither can be computed ahead by someone outside.
 */
public final class ProcessSecret {
    private final byte[] bytes = new byte[32];

    public ProcessSecret() {
        new SecureRandom().nextBytes(bytes);
    }

    /** A copy: nobody can change the process's secret through it. */
    public byte[] bytes() {
        return bytes.clone();
    }
}
