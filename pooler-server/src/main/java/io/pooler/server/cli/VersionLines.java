package io.pooler.server.cli;

import io.pooler.Version;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.IVersionProvider;

/**
 * {@code --version}: first the line SHOW VERSION answers, which tools compare; then, as PgBouncer lists
 * libevent and its TLS library, the runtime and the network library.
 */
final class VersionLines implements IVersionProvider {
    @Override
    public String[] getVersion() {
        List<String> lines = new ArrayList<>();
        lines.add(Version.STRING);
        lines.add("java " + Runtime.version() + " (" + System.getProperty("java.vm.name", "unknown VM") + ")");
        // identify() reads Netty's version resources; a repackaged jar may have dropped them.
        io.netty.util.Version.identify().values().stream()
                .findFirst()
                .ifPresent(netty -> lines.add("netty " + netty.artifactVersion()));
        return lines.toArray(String[]::new);
    }
}
