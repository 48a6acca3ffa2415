package io.pooler.server;

import io.pooler.auth.Userlist;
import io.pooler.auth.hba.HbaFile;
import io.pooler.config.PoolerConfig;
import io.pooler.protocol.TrackedParameters;
import io.pooler.server.tls.TlsConfig;

/**
 * One consistent snapshot of everything a reload may change: the ini, the auth file, the HBA file and
 * the TLS files. Immutable; a reload swaps in a new one, and each login reads the one current when it
 * starts.
 *
 * @param hba the rules of {@code auth_hba_file} when {@code auth_type = hba}, else null
 */
public record RuntimeConfig(PoolerConfig config, Userlist userlist, TrackedParameters trackedParameters, HbaFile hba,
                            TlsConfig tls) {
}
