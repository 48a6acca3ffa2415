package io.pooler.server;

import io.pooler.auth.Userlist;
import io.pooler.auth.UserlistException;
import io.pooler.auth.hba.HbaException;
import io.pooler.auth.hba.HbaFile;
import io.pooler.auth.hba.IdentMaps;
import io.pooler.config.AuthType;
import io.pooler.config.ConfigException;
import io.pooler.config.ConfigLoader;
import io.pooler.config.LoadedConfig;
import io.pooler.config.PoolerConfig;
import io.pooler.protocol.TrackedParameters;
import io.pooler.server.tls.TlsConfig;
import io.pooler.server.tls.TlsConfigException;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/** Reads the ini and the auth file it names into one {@link RuntimeConfig}, or says what is wrong. */
public final class RuntimeConfigLoader {
    /** auth_type values this build implements; the others are refused at startup and reload. */
    static final Set<AuthType> SUPPORTED_AUTH = EnumSet.of(AuthType.TRUST, AuthType.ANY, AuthType.PLAIN, AuthType.MD5,
            AuthType.SCRAM_SHA_256, AuthType.HBA, AuthType.CERT);

    /** A config that failed to load; the message names the file and line. */
    public static final class LoadException extends Exception {
        LoadException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    public record Loaded(RuntimeConfig config, List<String> warnings) {
    }

    private RuntimeConfigLoader() {
    }

    public static Loaded load(Path ini) throws LoadException {
        LoadedConfig loaded;
        try {
            loaded = ConfigLoader.load(ini);
        } catch (ConfigException e) {
            throw new LoadException(e.getMessage(), e);
        }
        PoolerConfig config = loaded.config();
        AuthType authType = config.settings().authType();
        if (!SUPPORTED_AUTH.contains(authType)) {
            throw new LoadException(ini + ": auth_type \"" + authType.configName() + "\" is not supported yet", null);
        }
        Userlist userlist = null;
        if (config.settings().authFile().isPresent()) {
            try {
                userlist = Userlist.load(config.settings().authFile().get());
            } catch (UserlistException e) {
                throw new LoadException(e.getMessage(), e);
            }
        } else if (authType != AuthType.ANY && authType != AuthType.TRUST && !hasAuthUser(config)) {
            throw new LoadException(ini + ": auth_type \"" + authType.configName() + "\" needs auth_file or auth_user", null);
        }
        HbaFile hba = authType == AuthType.HBA ? loadHba(ini, config) : null;
        List<String> warnings = new ArrayList<>(loaded.warnings());
        TrackedParameters tracked = new TrackedParameters(config.settings().trackExtraParameters());
        TlsConfig tls;
        try {
            tls = TlsConfig.load(config.settings(), warnings);
        } catch (TlsConfigException e) {
            throw new LoadException(ini + ": " + e.getMessage(), null);
        }
        return new Loaded(new RuntimeConfig(config, userlist, tracked, hba, tls), warnings);
    }

    private static boolean hasAuthUser(PoolerConfig config) {
        return config.settings().authUser().isPresent()
                || config.databases().values().stream().anyMatch(db -> db.authUser().isPresent())
                || config.fallbackDatabase().flatMap(db -> db.authUser()).isPresent();
    }

    /** auth_type = hba without rules would refuse everybody; say so at load rather than at each login. */
    private static HbaFile loadHba(Path ini, PoolerConfig config) throws LoadException {
        Path file = config.settings().authHbaFile()
                .orElseThrow(() -> new LoadException(ini + ": auth_type \"hba\" needs auth_hba_file", null));
        try {
            // As PgBouncer, the ident maps are read only for auth_type = hba, with the HBA file.
            IdentMaps identMaps = config.settings().authIdentFile().isPresent()
                    ? IdentMaps.load(config.settings().authIdentFile().get()) : null;
            return HbaFile.load(file, identMaps);
        } catch (HbaException e) {
            throw new LoadException(e.getMessage(), e);
        }
    }
}
