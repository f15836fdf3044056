// An emulated RP2040 board for the tests: boots a MicroPython rp2 firmware
// (the UF2 that `make rp2` writes) on rp2040js with the RP2040's own boot ROM,
// and carries the board's USB CDC serial port on this process's stdin/stdout
// as raw bytes.  tests/helpers/rp2emu.py puts those on a pseudo-terminal, so
// mpremote (and pytest --device) talk to it as to a Pico on /dev/ttyACM0.
//
//   node board.mjs FIRMWARE.uf2 --bootrom BOOTROM.ts [--stack-top 0x20042000]
//                  [--stack-bottom 0x20040000] [--switch ADDR:SIZE]
//
// BOOTROM.ts is rp2040js's demo/bootrom.ts (the B1 boot ROM as a Uint32Array;
// rp2040js' npm package does not ship it).
//
// Measurements, written to stderr as lines "@stats {json}":
//  * every line the board prints with "@M TAG" in it is a mark: the
//    report gives the CPU cycles executed and the deepest main-stack use
//    (STACK_TOP minus the lowest SP seen on the main stack) since the
//    previous mark;
//  * the main stack is the one the firmware runs on except while the
//    module's deep calls run on its core stack (a block of the heap):
//    --switch gives the address and size of the function that switches
//    (stack_switch, micropython/modssl_stack.c), and after each of its
//    instructions the stack in use is the main one exactly when SP is
//    within [--stack-bottom, --stack-top].  Between switches SP is followed
//    continuously, so a main stack that overflows below its bottom still
//    counts as the main stack (and fails the test's limit);
//  * rp2040js counts Cortex-M0+ cycles at 125 MHz with no flash wait states.
//
// Time: while the CPU runs, emulated time advances by its cycles (about 6x
// slower than real time here).  While it sleeps (WFI/WFE) emulated time is
// advanced to the next timer alarm, but never ahead of the wall clock, so an
// idle board waits for its host as a real one does and ticks_ms() deadlines
// mean what they say.
import fs from 'fs';
import os from 'os';
import path from 'path';
import { Simulator, USBCDC, ConsoleLogger, LogLevel } from 'rp2040js';
import { decodeBlock } from 'uf2';

const argv = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : dflt;
};
const firmware = argv[0];
const bootromPath = opt('--bootrom');
const STACK_TOP = Number(opt('--stack-top', '0x20042000'));
const STACK_BOTTOM = Number(opt('--stack-bottom', '0x20040000'));
const [SWITCH_LO, SWITCH_SIZE] = opt('--switch', '0:0').split(':').map(Number);
const SWITCH_HI = SWITCH_LO + SWITCH_SIZE;
if (!firmware || !bootromPath) {
  console.error('usage: node board.mjs FIRMWARE.uf2 --bootrom rp2040js/demo/bootrom.ts [--stack-top ADDR]');
  process.exit(2);
}

// The boot ROM source is TypeScript without type annotations: it loads as
// an ES module once it has the .mjs name.
const romCopy = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'rp2emu-')), 'bootrom.mjs');
fs.copyFileSync(bootromPath, romCopy);
const { bootromB1 } = await import(romCopy);
fs.rmSync(path.dirname(romCopy), { recursive: true, force: true });

const sim = new Simulator();
const mcu = sim.rp2040;
const clock = sim.clock;
mcu.loadBootrom(bootromB1);
mcu.logger = new ConsoleLogger(LogLevel.Error);

{
  const buf = fs.readFileSync(firmware);
  let blocks = 0;
  for (let off = 0; off + 512 <= buf.length; off += 512) {
    const b = decodeBlock(new Uint8Array(buf.buffer, buf.byteOffset + off, 512));
    mcu.flash.set(b.payload, b.flashAddress - 0x10000000);
    blocks++;
  }
  if (!blocks) {
    console.error(`${firmware}: no UF2 blocks`);
    process.exit(2);
  }
}

const stats = (obj) => process.stderr.write('@stats ' + JSON.stringify(obj) + '\n');

// ---- the serial line ---------------------------------------------------------------
const cdc = new USBCDC(mcu.usbCtrl);
const toBoard = [];
let connected = false;
let hostClosed = false;
cdc.onDeviceConnected = () => {
  connected = true;
  stats({ event: 'usb-connected', cycles: cycles });
};
let lineBuf = '';
cdc.onSerialData = (value) => {
  process.stdout.write(value);
  lineBuf += Buffer.from(value).toString('latin1');
  let i;
  while ((i = lineBuf.indexOf('\n')) >= 0) {
    const line = lineBuf.slice(0, i).replace(/\r$/, '');
    lineBuf = lineBuf.slice(i + 1);
    // (the first line of a raw-REPL run follows its "OK")
    const m = /@M (\S+)/.exec(line);
    if (m) mark(m[1]);
  }
  if (lineBuf.length > 4096) lineBuf = lineBuf.slice(-256);
};
process.stdin.on('data', (d) => {
  for (const c of d) toBoard.push(c);
});
process.stdin.on('end', () => {
  hostClosed = true;
});

// ---- marks ----------------------------------------------------------------------------
let cycles = 0;
let markCycles = 0;
let minSP = 0xffffffff;
let onMainStack = true;
function mark(tag) {
  stats({
    mark: tag,
    cycles: cycles - markCycles,
    stack: minSP === 0xffffffff ? 0 : STACK_TOP - minSP,
    emu_us: Math.round(clock.nanos / 1e3),
  });
  markCycles = cycles;
  minSP = 0xffffffff;
}

// ---- the CPU ----------------------------------------------------------------------------
const core = mcu.core;
core.PC = 0x10000000;
const CYCLE_NS = 8; // 125 MHz
const wall0 = process.hrtime.bigint();
const wallNanos = () => Number(process.hrtime.bigint() - wall0);

function slice() {
  for (let i = 0; i < 100000; i++) {
    if (core.waiting) {
      pump();
      const dt = clock.nanosToNextAlarm;
      const step = dt > 0 ? dt : CYCLE_NS;
      if (clock.nanos + step > wallNanos()) {
        return true; // idle and caught up with the wall clock: sleep
      }
      clock.tick(step);
    } else {
      const pc = core.PC;
      const c = core.executeInstruction();
      cycles += c;
      clock.tick(c * CYCLE_NS);
      const sp = core.SP;
      if (pc >= SWITCH_LO && pc < SWITCH_HI) onMainStack = sp >= STACK_BOTTOM && sp <= STACK_TOP;
      if (onMainStack && sp < minSP) minSP = sp;
    }
  }
  return false;
}

function pump() {
  if (connected) {
    while (toBoard.length && cdc.txFIFO.itemCount < cdc.txFIFO.size) cdc.sendSerialByte(toBoard.shift());
  }
}

function run() {
  const idle = slice();
  pump();
  if (hostClosed && !toBoard.length) {
    stats({ event: 'end', cycles, emu_us: Math.round(clock.nanos / 1e3) });
    process.exit(0);
  }
  if (idle) {
    // Let stdin in, and go on no earlier than the next alarm is due.
    const ahead = clock.nanos + Math.max(clock.nanosToNextAlarm, 0) - wallNanos();
    setTimeout(run, Math.min(Math.max(Math.floor(ahead / 1e6), 0), 20));
  } else {
    // A busy CPU (it falls behind the wall clock): let I/O in between slices.
    setImmediate(run);
  }
}
process.stdout.on('error', () => process.exit(0));
run();
