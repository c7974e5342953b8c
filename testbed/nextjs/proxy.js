// Next.js 16's proxy (formerly middleware), as apps gate and move pages:
// /members/* needs an Authorization header (401 without one), and /old/*
// moved to /about (308). Revalidation skips it.
import { NextResponse } from 'next/server'

export function proxy(request) {
  const { pathname } = request.nextUrl
  if (pathname.startsWith('/members/') && !request.headers.get('authorization')) {
    return new NextResponse('Authentication required', { status: 401 })
  }
  if (pathname.startsWith('/old/')) {
    return NextResponse.redirect(new URL('/about', request.url), 308)
  }
  return NextResponse.next()
}

export const config = {
  matcher: ['/members/:path*', '/old/:path*'],
}
