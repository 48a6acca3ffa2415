package io.pooler.server;

import io.pooler.auth.Userlist;
import io.pooler.auth.hba.HbaFile;
import io.pooler.config.PoolerConfig;
import io.pooler.protocol.TrackedParameters;

/**
 * One consistent snapshot of everything a reload may change: the ini, the auth file and the HBA file.
 * Immutable; a reload swaps in a new one, and each login reads the one current when it starts.
 *
 * @param hba the rules of {@code auth_hba_file} when {@code auth_type = hba}, else null
 */
public record RuntimeConfig(PoolerConfig config, Userlist userlist, TrackedParameters trackedParameters, HbaFile hba) {

    public RuntimeConfig(PoolerConfig config, Userlist userlist, TrackedParameters trackedParameters) {
        this(config, userlist, trackedParameters, null);
    }
}
