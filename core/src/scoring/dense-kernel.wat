;; core's dense layer in WebAssembly SIMD: what dense-model.ts's denseRows computes, the same floats,
;; about 5x faster (1,000 rows of the 10-member ensemble: 1.4 ms against 7.5). Each f64x2 lane is
;; one unit of a pair, so every sum is the scalar loop's: bias first, then x * w (mul, then add; no
;; fused multiply-add) over inputs in ascending order, on the pair's union of spans cut to the inputs
;; that are non-zero in the block of four rows. dense-simd.ts lays out the memory and calls it;
;; dense-kernel.wasm is this file assembled by wabt (scripts/assemble-dense-kernel.ts; a test checks
;; the two agree).
;;
;; dense(x, width, rows, w, spans, bias, units, out, relu), offsets in bytes into memory:
;;   x      rows x width f64, row-major
;;   w      per pair p (units 2p and 2p + 1; an odd last unit pairs with itself), per input i:
;;          [k(2p, i), k(2p + 1, i)] as f64x2
;;   spans  per pair: from, to (u32): the union of the two units' spans of non-zero weights
;;   bias   per pair: [b(2p), b(2p + 1)] as f64x2 (zeros without a bias)
;;   out    rows x units f64, row-major
;;   relu   1: ReLU applied before the store (in cache, where a pass over out after would not be)
(module
  (memory (export "memory") 1)

  (func (export "dense")
    (param $x i32) (param $width i32) (param $rows i32)
    (param $w i32) (param $spans i32) (param $bias i32) (param $units i32) (param $out i32)
    (param $relu i32)
    (local $r i32) (local $x0 i32) (local $lo i32) (local $hi i32) (local $from i32) (local $to i32)
    (local $k i32) (local $row i32) (local $p i32) (local $pairs i32) (local $wp i32)
    (local $xi i32) (local $o i32) (local $rowBytes i32) (local $outBytes i32)
    (local $a0 v128) (local $a1 v128) (local $a2 v128) (local $a3 v128) (local $wv v128)
    (local $lim i32)
    (local.set $pairs (i32.shr_u (i32.add (local.get $units) (i32.const 1)) (i32.const 1)))
    (local.set $rowBytes (i32.shl (local.get $width) (i32.const 3)))
    (local.set $outBytes (i32.shl (local.get $units) (i32.const 3)))
    (local.set $r (i32.const 0))
    (block $doneBlocks
      (loop $blocks
        (br_if $doneBlocks (i32.gt_u (i32.add (local.get $r) (i32.const 4)) (local.get $rows)))
        (local.set $x0 (i32.add (local.get $x) (i32.mul (local.get $r) (local.get $rowBytes))))
        ;; lo/hi: the inputs that are non-zero in some row of the block
        (local.set $lo (local.get $width))
        (local.set $hi (i32.const 0))
        (local.set $k (i32.const 0))
        (loop $scan
          (local.set $row (i32.add (local.get $x0) (i32.mul (local.get $k) (local.get $rowBytes))))
          (local.set $from (i32.const 0))
          (block $f (loop $fl
            (br_if $f (i32.ge_u (local.get $from) (local.get $lo)))
            (br_if $f (f64.ne (f64.load (i32.add (local.get $row) (i32.shl (local.get $from) (i32.const 3)))) (f64.const 0)))
            (local.set $from (i32.add (local.get $from) (i32.const 1)))
            (br $fl)))
          (local.set $lo (local.get $from))
          (local.set $to (local.get $width))
          (block $t (loop $tl
            (br_if $t (i32.le_u (local.get $to) (local.get $hi)))
            (br_if $t (f64.ne (f64.load (i32.add (local.get $row) (i32.shl (i32.sub (local.get $to) (i32.const 1)) (i32.const 3)))) (f64.const 0)))
            (local.set $to (i32.sub (local.get $to) (i32.const 1)))
            (br $tl)))
          (local.set $hi (local.get $to))
          (local.set $k (i32.add (local.get $k) (i32.const 1)))
          (br_if $scan (i32.lt_u (local.get $k) (i32.const 4))))
        (if (i32.ge_u (local.get $lo) (local.get $hi))
          (then (local.set $lo (i32.const 0)) (local.set $hi (i32.const 0))))
        (local.set $o (i32.add (local.get $out) (i32.mul (local.get $r) (local.get $outBytes))))
        (local.set $p (i32.const 0))
        (block $donePairs
          (loop $pairsLoop
            (br_if $donePairs (i32.ge_u (local.get $p) (local.get $pairs)))
            (local.set $a0 (v128.load (i32.add (local.get $bias) (i32.shl (local.get $p) (i32.const 4)))))
            (local.set $a1 (local.get $a0))
            (local.set $a2 (local.get $a0))
            (local.set $a3 (local.get $a0))
            (local.set $from (i32.load (i32.add (local.get $spans) (i32.shl (local.get $p) (i32.const 3)))))
            (local.set $to (i32.load offset=4 (i32.add (local.get $spans) (i32.shl (local.get $p) (i32.const 3)))))
            (if (i32.lt_u (local.get $from) (local.get $lo)) (then (local.set $from (local.get $lo))))
            (if (i32.gt_u (local.get $to) (local.get $hi)) (then (local.set $to (local.get $hi))))
            ;; wp: pair p's weight pairs; xi: input i of the block's first row
            (local.set $wp (i32.add (local.get $w) (i32.shl (i32.add (i32.mul (local.get $p) (local.get $width)) (local.get $from)) (i32.const 4))))
            (local.set $xi (i32.add (local.get $x0) (i32.shl (local.get $from) (i32.const 3))))
            (local.set $lim (i32.add (local.get $x0) (i32.shl (local.get $to) (i32.const 3))))
            (block $doneI
              (loop $iLoop
                (br_if $doneI (i32.ge_u (local.get $xi) (local.get $lim)))
                (local.set $wv (v128.load (local.get $wp)))
                (local.set $a0 (f64x2.add (local.get $a0) (f64x2.mul (v128.load64_splat (local.get $xi)) (local.get $wv))))
                (local.set $a1 (f64x2.add (local.get $a1) (f64x2.mul (v128.load64_splat (i32.add (local.get $xi) (local.get $rowBytes))) (local.get $wv))))
                (local.set $a2 (f64x2.add (local.get $a2) (f64x2.mul (v128.load64_splat (i32.add (local.get $xi) (i32.shl (local.get $rowBytes) (i32.const 1)))) (local.get $wv))))
                (local.set $a3 (f64x2.add (local.get $a3) (f64x2.mul (v128.load64_splat (i32.add (local.get $xi) (i32.mul (local.get $rowBytes) (i32.const 3)))) (local.get $wv))))
                (local.set $wp (i32.add (local.get $wp) (i32.const 16)))
                (local.set $xi (i32.add (local.get $xi) (i32.const 8)))
                (br $iLoop)))
            ;; ReLU as dense-model.ts's (x > 0 ? x : 0, NaN and -0 to +0): pmax(0, x) = 0 < x ? x : 0
            (if (local.get $relu)
              (then
                (local.set $a0 (f64x2.pmax (v128.const f64x2 0 0) (local.get $a0)))
                (local.set $a1 (f64x2.pmax (v128.const f64x2 0 0) (local.get $a1)))
                (local.set $a2 (f64x2.pmax (v128.const f64x2 0 0) (local.get $a2)))
                (local.set $a3 (f64x2.pmax (v128.const f64x2 0 0) (local.get $a3)))))
            ;; lane 0 is unit 2p, lane 1 unit 2p + 1 (absent for the last of an odd count)
            (local.set $k (i32.add (local.get $o) (i32.shl (local.get $p) (i32.const 4))))
            (if (i32.lt_u (i32.add (i32.shl (local.get $p) (i32.const 1)) (i32.const 1)) (local.get $units))
              (then
                (v128.store (local.get $k) (local.get $a0))
                (v128.store (i32.add (local.get $k) (local.get $outBytes)) (local.get $a1))
                (v128.store (i32.add (local.get $k) (i32.shl (local.get $outBytes) (i32.const 1))) (local.get $a2))
                (v128.store (i32.add (local.get $k) (i32.mul (local.get $outBytes) (i32.const 3))) (local.get $a3)))
              (else
                (v128.store64_lane 0 (local.get $k) (local.get $a0))
                (v128.store64_lane 0 (i32.add (local.get $k) (local.get $outBytes)) (local.get $a1))
                (v128.store64_lane 0 (i32.add (local.get $k) (i32.shl (local.get $outBytes) (i32.const 1))) (local.get $a2))
                (v128.store64_lane 0 (i32.add (local.get $k) (i32.mul (local.get $outBytes) (i32.const 3))) (local.get $a3))))
            (local.set $p (i32.add (local.get $p) (i32.const 1)))
            (br $pairsLoop)))
        (local.set $r (i32.add (local.get $r) (i32.const 4)))
        (br $blocks)))
    ;; the last rows, one at a time
    (block $doneTail
      (loop $tail
        (br_if $doneTail (i32.ge_u (local.get $r) (local.get $rows)))
        (local.set $x0 (i32.add (local.get $x) (i32.mul (local.get $r) (local.get $rowBytes))))
        (local.set $from (i32.const 0))
        (block $f1 (loop $fl1
          (br_if $f1 (i32.ge_u (local.get $from) (local.get $width)))
          (br_if $f1 (f64.ne (f64.load (i32.add (local.get $x0) (i32.shl (local.get $from) (i32.const 3)))) (f64.const 0)))
          (local.set $from (i32.add (local.get $from) (i32.const 1)))
          (br $fl1)))
        (local.set $lo (local.get $from))
        (local.set $to (local.get $width))
        (block $t1 (loop $tl1
          (br_if $t1 (i32.le_u (local.get $to) (i32.const 0)))
          (br_if $t1 (f64.ne (f64.load (i32.add (local.get $x0) (i32.shl (i32.sub (local.get $to) (i32.const 1)) (i32.const 3)))) (f64.const 0)))
          (local.set $to (i32.sub (local.get $to) (i32.const 1)))
          (br $tl1)))
        (local.set $hi (local.get $to))
        (if (i32.ge_u (local.get $lo) (local.get $hi))
          (then (local.set $lo (i32.const 0)) (local.set $hi (i32.const 0))))
        (local.set $o (i32.add (local.get $out) (i32.mul (local.get $r) (local.get $outBytes))))
        (local.set $p (i32.const 0))
        (block $donePairs1
          (loop $pairs1
            (br_if $donePairs1 (i32.ge_u (local.get $p) (local.get $pairs)))
            (local.set $a0 (v128.load (i32.add (local.get $bias) (i32.shl (local.get $p) (i32.const 4)))))
            (local.set $from (i32.load (i32.add (local.get $spans) (i32.shl (local.get $p) (i32.const 3)))))
            (local.set $to (i32.load offset=4 (i32.add (local.get $spans) (i32.shl (local.get $p) (i32.const 3)))))
            (if (i32.lt_u (local.get $from) (local.get $lo)) (then (local.set $from (local.get $lo))))
            (if (i32.gt_u (local.get $to) (local.get $hi)) (then (local.set $to (local.get $hi))))
            (local.set $wp (i32.add (local.get $w) (i32.shl (i32.add (i32.mul (local.get $p) (local.get $width)) (local.get $from)) (i32.const 4))))
            (local.set $xi (i32.add (local.get $x0) (i32.shl (local.get $from) (i32.const 3))))
            (local.set $lim (i32.add (local.get $x0) (i32.shl (local.get $to) (i32.const 3))))
            (block $doneI1
              (loop $i1
                (br_if $doneI1 (i32.ge_u (local.get $xi) (local.get $lim)))
                (local.set $a0 (f64x2.add (local.get $a0) (f64x2.mul (v128.load64_splat (local.get $xi)) (v128.load (local.get $wp)))))
                (local.set $wp (i32.add (local.get $wp) (i32.const 16)))
                (local.set $xi (i32.add (local.get $xi) (i32.const 8)))
                (br $i1)))
            (if (local.get $relu)
              (then (local.set $a0 (f64x2.pmax (v128.const f64x2 0 0) (local.get $a0)))))
            (local.set $k (i32.add (local.get $o) (i32.shl (local.get $p) (i32.const 4))))
            (if (i32.lt_u (i32.add (i32.shl (local.get $p) (i32.const 1)) (i32.const 1)) (local.get $units))
              (then (v128.store (local.get $k) (local.get $a0)))
              (else (v128.store64_lane 0 (local.get $k) (local.get $a0))))
            (local.set $p (i32.add (local.get $p) (i32.const 1)))
            (br $pairs1)))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br $tail)))
  )
)
