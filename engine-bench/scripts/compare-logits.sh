#!/bin/bash
# Logits of the decode path (jllm logits --token-by-token) against llama.cpp's, per reference model and kernel path
# (integer, and float with -Djllm.quantized=float): max and mean abs difference over every logits-*.json, and the
# positions whose reference top-1/top-2 margin exceeds 0.5 where the argmax differs. Needs ../shared, python3, numpy.
# usage: engine-bench/scripts/compare-logits.sh [MODEL_ID...]
cd "$(dirname "$0")/../.."
shared=$(cd ../shared && pwd)
ids="$*"
[ -z "$ids" ] && ids="stories260K-q8_0 tinystories656k-q8_0 tinystories656k-upstream-q8_0 synth-llama-256-q8_0 stories260K-q4_0 tinystories656k-q4_0 synth-llama-256-q4_0 tinystories656k-q4_1 tinystories656k-q5_0 tinystories656k-q5_1 synth-llama-256-iq4_nl synth-llama-256-q4_k synth-llama-256-q6_k synth-llama-256-q4_k_m synth-llama-256-q2_k synth-llama-256-q3_k synth-llama-256-q5_k synth-llama-256-iq4_xs"
for id in $ids; do
  ref=$shared/reference/$id
  for path in integer float; do
    opts=""; [ $path = float ] && opts="-Djllm.quantized=float"
    rm -f ${TMPDIR:-/tmp}/rep-*.f32
    for j in $ref/logits-*.json; do
      k=$(basename $j .json)
      model=$(python3 -c "import json;print(json.load(open('$j'))['model'])")
      ids=$(python3 -c "import json;print(','.join(map(str,json.load(open('$j'))['ids'])))")
      JDK_JAVA_OPTIONS="$opts" ./jllm logits -m $shared/$model --prompt-ids $ids --token-by-token -o ${TMPDIR:-/tmp}/rep-$k.f32 >/dev/null 2>&1
    done
    python3 - <<PY
import numpy as np, json, glob
mx=0; tot=0; cnt=0; flips=0; checked=0
for j in sorted(glob.glob('$ref/logits-*.json')):
    k=j.split('/')[-1][:-5]
    meta=json.load(open(j)); n=len(meta['ids'])
    r=np.fromfile('$ref/'+k+'.f32',dtype='<f4').reshape(n,-1); o=np.fromfile('${TMPDIR:-/tmp}/rep-'+k+'.f32',dtype='<f4').reshape(n,-1)
    d=np.abs(r-o); mx=max(mx,d.max()); tot+=d.sum(); cnt+=d.size
    for p in range(n):
        s=np.sort(r[p]); 
        if s[-1]-s[-2] > 0.5:
            checked+=1
            if np.argmax(r[p])!=np.argmax(o[p]): flips+=1
print('%-32s %-8s max %.3g mean %.3g argmax-mismatch %d/%d' % ('$id','$path',mx,tot/cnt,flips,checked))
PY
  done
done
