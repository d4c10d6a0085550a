// The read-then-write loop shared by the heap and direct buffer strategies:
// FileChannel.read(buffer) of each chunk, then write(buffer) to the sink.
package zc.jvm;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.WritableByteChannel;

abstract class BufferCopy implements Protocol.DataPath {
  private ByteBuffer buffer;

  abstract ByteBuffer allocate(int capacity);

  @Override
  public void setUp(long chunk) {
    buffer = allocate((int) Math.min(chunk, Integer.MAX_VALUE - 8));
  }

  @Override
  public void move(FileChannel src, WritableByteChannel dst, long size, long chunk,
      Protocol.Tally tally) throws IOException {
    src.position(0);
    for (long pos = 0; pos < size;) {
      buffer.clear();
      buffer.limit((int) Math.min(Math.min(buffer.capacity(), chunk), size - pos));
      int got = src.read(buffer);
      tally.calls++;
      if (got <= 0) throw new IOException("source ended at " + pos + " of " + size);
      tally.bytesToUser += got;
      buffer.flip();
      while (buffer.hasRemaining()) {
        tally.bytesFromUser += dst.write(buffer);
        tally.calls++;
      }
      pos += got;
    }
  }
}
