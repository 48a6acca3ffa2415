package io.pooler.server.container;

import java.util.List;

/**
 * The commands deploy/kubernetes/statefulset.yaml runs in the image, in one place: KubernetesManifestsTest
 * checks that the manifest has exactly these, and ContainerImageCheck runs them in the built image.
 */
final class ContainerCommands {
    /** A short-lived JVM: quick to start, small, and leaving no hsperfdata file behind. */
    private static final List<String> SMALL_JVM =
            List.of("java", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Xmx16m", "-XX:-UsePerfData");

    /** The init container: writes this pod's peer_id for the ini to %include. */
    static final List<String> PEER_ID = command(SMALL_JVM, "/app/classes", "io.pooler.server.container.PeerIdFile",
            "/run/pooler/peer_id.ini");

    /** The liveness probe. */
    static final List<String> HEALTH_PROBE = command(SMALL_JVM, "/app/classes", "io.pooler.server.container.HealthProbe",
            "127.0.0.1", "6432", "5");

    /** The preStop hook: 5 s for the Service to stop sending new connections, then SIGINT and wait. */
    static final List<String> PRE_STOP = command(SMALL_JVM, "@/app/jib-classpath-file",
            "io.pooler.server.container.SafeShutdown", "5");

    private ContainerCommands() {
    }

    private static List<String> command(List<String> jvm, String classPath, String mainClass, String... args) {
        List<String> command = new java.util.ArrayList<>(jvm);
        command.add("-cp");
        command.add(classPath);
        command.add(mainClass);
        command.addAll(List.of(args));
        return List.copyOf(command);
    }
}
