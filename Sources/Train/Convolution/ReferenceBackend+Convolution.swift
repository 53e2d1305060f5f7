// The reference convolution and max-pooling: the definitions in `Backend`, written as
// nested loops over every index with float64 sums. The oracle for CPUBackend's im2col
// kernels.

extension ReferenceBackend {
    public func convolutionForward(
        input: Matrix, geometry: ImageGeometry, kernel: Int, weight: Matrix, into output: inout Matrix
    ) {
        let out = convolutionShape(input: input, geometry: geometry, kernel: kernel, weight: weight, output: output)
        let channels = geometry.channels
        for b in 0..<input.rows {
            for y in 0..<out.height {
                for x in 0..<out.width {
                    for o in 0..<out.channels {
                        var sum = 0.0
                        for i in 0..<kernel {
                            for j in 0..<kernel {
                                for c in 0..<channels {
                                    let pixel = ((y + i) * geometry.width + x + j) * channels + c
                                    sum += Double(input[b, pixel]) * Double(weight[(i * kernel + j) * channels + c, o])
                                }
                            }
                        }
                        output[b, (y * out.width + x) * out.channels + o] = Float(sum)
                    }
                }
            }
        }
    }

    public func convolutionBackward(
        input: Matrix, geometry: ImageGeometry, kernel: Int, weight: Matrix, outputGradient: Matrix,
        weightGradient: inout Matrix, inputGradient: inout Matrix?
    ) {
        let out = convolutionShape(input: input, geometry: geometry, kernel: kernel, weight: weight, output: outputGradient)
        precondition(weightGradient.rows == weight.rows && weightGradient.columns == weight.columns,
                     "convolutionBackward: weightGradient shape differs from weight's")
        let channels = geometry.channels
        var dw = [Double](repeating: 0, count: weight.count)
        var dx = [Double](repeating: 0, count: input.count)
        for b in 0..<input.rows {
            for y in 0..<out.height {
                for x in 0..<out.width {
                    for o in 0..<out.channels {
                        let dy = Double(outputGradient[b, (y * out.width + x) * out.channels + o])
                        for i in 0..<kernel {
                            for j in 0..<kernel {
                                for c in 0..<channels {
                                    let pixel = ((y + i) * geometry.width + x + j) * channels + c
                                    let row = (i * kernel + j) * channels + c
                                    dw[row * weight.columns + o] += Double(input[b, pixel]) * dy
                                    dx[b * input.columns + pixel] += Double(weight[row, o]) * dy
                                }
                            }
                        }
                    }
                }
            }
        }
        for index in dw.indices { weightGradient.values[index] = Float(Double(weightGradient.values[index]) + dw[index]) }
        if inputGradient != nil {
            inputGradient = Matrix(rows: input.rows, columns: input.columns, values: dx.map(Float.init))
        }
    }

    public func maxPoolForward(input: Matrix, geometry: ImageGeometry, size: Int, into output: inout Matrix) {
        let out = poolShape(input: input, geometry: geometry, size: size, output: output)
        for b in 0..<input.rows {
            for y in 0..<out.height {
                for x in 0..<out.width {
                    for c in 0..<out.channels {
                        var largest = -Float.infinity
                        for i in 0..<size {
                            for j in 0..<size {
                                largest = max(largest, input[b, ((y * size + i) * geometry.width + x * size + j) * geometry.channels + c])
                            }
                        }
                        output[b, (y * out.width + x) * out.channels + c] = largest
                    }
                }
            }
        }
    }

    public func maxPoolBackward(
        input: Matrix, output: Matrix, outputGradient: Matrix, geometry: ImageGeometry, size: Int,
        into inputGradient: inout Matrix
    ) {
        let out = poolShape(input: input, geometry: geometry, size: size, output: output)
        precondition(outputGradient.rows == output.rows && outputGradient.columns == output.columns,
                     "maxPoolBackward: outputGradient shape differs from output's")
        inputGradient = Matrix(rows: input.rows, columns: input.columns)
        for b in 0..<input.rows {
            for y in 0..<out.height {
                for x in 0..<out.width {
                    for c in 0..<out.channels {
                        let pooled = (y * out.width + x) * out.channels + c
                        for i in 0..<size {
                            for j in 0..<size {
                                let pixel = ((y * size + i) * geometry.width + x * size + j) * geometry.channels + c
                                if input[b, pixel] == output[b, pooled] {
                                    inputGradient[b, pixel] = outputGradient[b, pooled]
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}
