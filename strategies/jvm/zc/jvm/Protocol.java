// The external-strategy protocol (README "Writing an external strategy") on
// the JVM: the source and the sink arrive as inherited file descriptors,
// the program says "ready" on stdout after its set-up and warm-up, waits
// for "go" on fd 4, moves the bytes with its data path and says "done"
// with its own tallies. Timestamps are System.nanoTime(), which HotSpot
// reads from CLOCK_MONOTONIC on Linux: the harness's clock, so it can
// check that start-up and warm-up ended before its timed region began.
package zc.jvm;

import java.io.BufferedReader;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.io.RandomAccessFile;
import java.nio.channels.Channel;
import java.nio.channels.FileChannel;
import java.nio.channels.SocketChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;

public final class Protocol {
  /** One data path: moves size bytes of src (from position 0) to dst in chunk-sized calls. */
  public interface DataPath {
    /** Allocates what every move reuses (buffers), once, before the warm-up. */
    default void setUp(long chunk) {}

    void move(FileChannel src, WritableByteChannel dst, long size, long chunk, Tally tally)
        throws IOException;
  }

  /** What the program counts at its own call sites: Java API calls, not syscalls. */
  public static final class Tally {
    public long calls;
    public long bytesToUser;
    public long bytesFromUser;
  }

  // Warm-up: enough calls for HotSpot to compile the loop (C2 compiles a
  // method after about 10,000 invocations or loop iterations), bounded in time.
  private static final long WARMUP_CALLS = 20_000;
  private static final long WARMUP_NANOS = 3_000_000_000L;
  private static final long WARMUP_FILE = 1 << 20;

  private static long env(String name) {
    String v = System.getenv(name);
    if (v == null) throw new IllegalArgumentException(name + " is not set (started outside zc-bench?)");
    return Long.parseLong(v);
  }

  /** Runs the protocol around one data path; exits 1 with "error ..." on any failure. */
  public static void run(DataPath path) {
    PrintStream out = System.out;
    try {
      long size = env("ZC_SIZE");
      long chunk = env("ZC_CHUNK");
      path.setUp(chunk);
      long warmStart = System.nanoTime();
      long warmCalls = warmUp(path, chunk);
      long warmEnd = System.nanoTime();
      String tid = Files.readSymbolicLink(Paths.get("/proc/thread-self")).getFileName().toString();

      try (FileChannel src = new RandomAccessFile("/proc/self/fd/" + env("ZC_SOURCE_FD"), "r").getChannel();
          BufferedReader control =
              new BufferedReader(
                  new InputStreamReader(
                      new FileInputStream("/proc/self/fd/" + env("ZC_GO_FD")),
                      StandardCharsets.US_ASCII))) {
        WritableByteChannel dst = openSink();
        out.println("ready tid=" + tid + " warmup_start_ns=" + warmStart + " warmup_end_ns="
            + warmEnd + " warmup_calls=" + warmCalls);
        out.flush();
        String go = control.readLine();
        if (go == null) System.exit(0);  // zc-bench gave up on this repetition
        if (!go.equals("go")) throw new IOException("expected go, got '" + go + "'");
        long goNs = System.nanoTime();
        Tally tally = new Tally();
        path.move(src, dst, size, chunk, tally);
        endStream(dst);
        long doneNs = System.nanoTime();
        out.println("done bytes=" + size + " calls=" + tally.calls + " bytes_to_user="
            + tally.bytesToUser + " bytes_from_user=" + tally.bytesFromUser + " go_ns=" + goNs
            + " done_ns=" + doneNs);
        out.flush();
        control.readLine();  // EOF: zc-bench has what it needs
      }
    } catch (Throwable e) {
      out.println("error " + e.toString().replace('\n', ' '));
      out.flush();
      System.exit(1);
    }
  }

  // fd 0 is the sink. A socket (tcp, unix, veth, remote) is what
  // System.inheritedChannel() exists for (inetd-style): it returns a
  // SocketChannel, which FileChannel.transferTo can hand to sendfile. A
  // pipe, a file or /dev/null is not a socket: reopen the descriptor.
  private static WritableByteChannel openSink() throws IOException {
    Channel inherited = System.inheritedChannel();
    if (inherited instanceof SocketChannel) {
      SocketChannel sc = (SocketChannel) inherited;
      sc.configureBlocking(true);
      return sc;
    }
    return new FileOutputStream("/proc/self/fd/0", true).getChannel();
  }

  // The consumer sees the end of the stream when every writer has let go.
  // A socket is shut down for writing, not closed: closing an inherited
  // channel makes the JDK point fds 0, 1 and 2 at /dev/null
  // (sun.nio.ch.InheritedChannel), and fd 1 is how we say "done". A pipe
  // or file is closed, and fd 0 with it.
  private static void endStream(WritableByteChannel dst) throws IOException {
    if (dst instanceof SocketChannel) {
      ((SocketChannel) dst).shutdownOutput();
    } else {
      dst.close();
      System.in.close();
    }
  }

  // The data path over a private scratch file (unlinked at once, so a
  // killed JVM leaves nothing) to /dev/null: the source file is not touched,
  // so a cold-cache run stays cold.
  private static long warmUp(DataPath path, long chunk) throws IOException {
    // In $TMPDIR when set (zc-bench's --tmpdir, or the user's), as the
    // harness's own files: the JVM's java.io.tmpdir is /tmp whatever it says.
    String tmpdir = System.getenv("TMPDIR");
    Path scratch = tmpdir != null && !tmpdir.isEmpty()
        ? Files.createTempFile(Paths.get(tmpdir), "zc-bench-jvm-warmup", ".tmp")
        : Files.createTempFile("zc-bench-jvm-warmup", ".tmp");
    long calls = 0;
    try (RandomAccessFile f = new RandomAccessFile(scratch.toFile(), "rw");
        FileChannel nul = new FileOutputStream("/dev/null").getChannel()) {
      Files.delete(scratch);
      long len = Math.max(WARMUP_FILE, Math.min(chunk, 64L << 20));
      f.setLength(len);
      FileChannel src = f.getChannel();
      long deadline = System.nanoTime() + WARMUP_NANOS;
      while (calls < WARMUP_CALLS && System.nanoTime() < deadline) {
        Tally t = new Tally();
        path.move(src, nul, len, Math.min(chunk, 8 << 10), t);
        calls += t.calls;
      }
      // One pass at the run's chunk: the JDK's temporary direct buffer (a
      // heap buffer's read and write go through one) is cached per thread
      // at the largest size asked, so it is allocated and first touched
      // here rather than inside the timed region.
      Tally t = new Tally();
      path.move(src, nul, len, chunk, t);
      calls += t.calls;
    }
    return calls;
  }

  private Protocol() {}
}
