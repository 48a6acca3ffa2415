package io.pooler.server;

import io.pooler.auth.Userlist;
import io.pooler.config.PoolerConfig;
import io.pooler.protocol.TrackedParameters;
import io.pooler.server.tls.TlsConfig;

/**
 * One consistent snapshot of everything a reload may change: the ini, the auth file and the TLS files. Immutable;
 * a reload swaps in a new one, and each login reads the one current when it starts.
 */
public record RuntimeConfig(PoolerConfig config, Userlist userlist, TrackedParameters trackedParameters,
                            TlsConfig tls) {
}
