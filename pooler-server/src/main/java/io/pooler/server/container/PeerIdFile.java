package io.pooler.server.container;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Gives each pod of a Kubernetes StatefulSet its own {@code peer_id}, for the init container of
 * deploy/kubernetes/statefulset.yaml:
 * {@code java -cp /app/classes io.pooler.server.container.PeerIdFile FILE}, with the pod's name in the
 * environment variable {@code POD_NAME}.
 *
 * <p>A StatefulSet names its pods {@code NAME-0}, {@code NAME-1}, ...; pod {@code NAME-i} gets
 * {@code peer_id = i + 1}, since 0 turns peering off in PgBouncer. FILE gets that one line, for the shared
 * ini to {@code %include} inside its {@code [pgbouncer]} section; the ini's {@code [peers]} section lists the
 * same numbers. The ConfigMap cannot hold it: it is the same file for every pod.
 */
public final class PeerIdFile {
    /** PgBouncer's largest peer_id: the id takes 14 bits of the cancel key. */
    static final int MAX_PEER_ID = 16383;
    static final String POD_NAME_ENV = "POD_NAME";

    private PeerIdFile() {
    }

    public static void main(String[] args) throws IOException {
        if (args.length != 1) {
            System.err.println("usage: POD_NAME=name-N PeerIdFile FILE");
            System.exit(2);
        }
        String podName = System.getenv(POD_NAME_ENV);
        if (podName == null || podName.isBlank()) {
            System.err.println("PeerIdFile: " + POD_NAME_ENV + " is not set (downward API: metadata.name)");
            System.exit(1);
        }
        try {
            Path file = Path.of(args[0]);
            Files.writeString(file, contents(podName), StandardCharsets.UTF_8);
            System.out.println("PeerIdFile: " + file + ": peer_id = " + peerId(podName));
        } catch (IllegalArgumentException e) {
            System.err.println("PeerIdFile: " + e.getMessage());
            System.exit(1);
        }
    }

    /** The file's text for {@code podName}. */
    static String contents(String podName) {
        return ";; Written by the init container for pod " + podName + " (its ordinal + 1).\n"
                + "peer_id = " + peerId(podName) + "\n";
    }

    /** The StatefulSet ordinal at the end of {@code podName}, plus one. */
    static int peerId(String podName) {
        int dash = podName.lastIndexOf('-');
        String ordinal = podName.substring(dash + 1);
        if (dash <= 0 || ordinal.isEmpty() || ordinal.length() > 5 || !ordinal.chars().allMatch(c -> c >= '0' && c <= '9')) {
            throw new IllegalArgumentException("pod name \"" + podName + "\" does not end in -ORDINAL, as a StatefulSet's pods do");
        }
        int id = Integer.parseInt(ordinal) + 1;
        if (id > MAX_PEER_ID) {
            throw new IllegalArgumentException("pod ordinal " + ordinal + " is past the largest peer_id, " + MAX_PEER_ID);
        }
        return id;
    }
}
