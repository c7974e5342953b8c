// Next.js 16's proxy (formerly middleware), as apps gate and move pages:
// /members/* needs an Authorization header (401 without one), /old/*
// moved to /about (308), /intl/* is sent to its default-locale page
// /en/intl/* (307, as i18n middleware does), and /loop/* redirects to
// itself (307: a misconfigured locale rule seen in the wild). Revalidation
// skips it.
import { NextResponse } from 'next/server'

export function proxy(request) {
  const { pathname } = request.nextUrl
  if (pathname.startsWith('/members/') && !request.headers.get('authorization')) {
    return new NextResponse('Authentication required', { status: 401 })
  }
  if (pathname.startsWith('/old/')) {
    return NextResponse.redirect(new URL('/about', request.url), 308)
  }
  if (pathname.startsWith('/intl/')) {
    return NextResponse.redirect(new URL(`/en${pathname}`, request.url), 307)
  }
  if (pathname.startsWith('/loop/')) {
    return NextResponse.redirect(new URL(pathname, request.url), 307)
  }
  return NextResponse.next()
}

export const config = {
  matcher: ['/members/:path*', '/old/:path*', '/intl/:path*', '/loop/:path*'],
}
