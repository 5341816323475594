// linear-chunked-f16 where the device lacks shader-f16 (SwiftShader, in the tests): QKV is f32,
// but every value is rounded to f16 and back when it is stored, so the kernels compute from the
// same f16 inputs as linear-inputs-f16.wgsl gives them.
alias QKV = f32;

fn toQKV(x: vec4<f32>) -> vec4<QKV> {
  return vec4<f32>(unpack2x16float(pack2x16float(x.xy)), unpack2x16float(pack2x16float(x.zw)));
}
