// Transfers data by FileChannel.map (a MappedByteBuffer of the whole file)
// and write() of chunk-sized slices of it to the sink channel: the JDK
// writes a direct buffer straight from its address, like mmap-write.
package zc.jvm;

import java.io.IOException;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.WritableByteChannel;

public final class Mapped implements Protocol.DataPath {
  // A MappedByteBuffer holds at most Integer.MAX_VALUE bytes: map in windows.
  private static final long WINDOW = 1L << 30;

  @Override
  public void move(FileChannel src, WritableByteChannel dst, long size, long chunk,
      Protocol.Tally tally) throws IOException {
    for (long base = 0; base < size; base += WINDOW) {
      long len = Math.min(WINDOW, size - base);
      MappedByteBuffer map = src.map(FileChannel.MapMode.READ_ONLY, base, len);
      tally.calls++;
      for (int pos = 0; pos < len;) {
        int n = (int) Math.min(chunk, len - pos);
        var slice = map.slice(pos, n);
        while (slice.hasRemaining()) {
          tally.bytesFromUser += dst.write(slice);
          tally.calls++;
        }
        pos += n;
      }
    }
  }

  public static void main(String[] args) {
    Protocol.run(new Mapped());
  }
}
